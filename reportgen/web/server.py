"""The consultation server: the web edition, a comment form on each announcement and item, moderation.

A Starlette application. Pages come from the same templates as the static
site (autoescaped: nothing a visitor writes is ever read as HTML); comments
go to the ``Store``. Against spam: an arithmetic question written in Persian
words (signed, expiring), a honeypot field and a per-address rate limit. Every
form carries a CSRF token bound to the visitor's signed session cookie
(HttpOnly, SameSite=Lax, Secure behind HTTPS); every response carries a
Content-Security-Policy that allows only the site's own scripts and styles.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jdatetime
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from reportgen.content.models import item_name
from reportgen.paths import Project
from reportgen.text.persian import number_in_words, to_latin_digits, to_persian_digits
from reportgen.web.site import EditionPage, Site, load_site, prose, render_announcement, write_site
from reportgen.web.store import NewComment, Status, Store, StoredComment, address_key

IRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))  # no daylight saving since 1401
LIMITS = {"name": 100, "email": 254, "text": 5000}
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
SECURITY_HEADERS = {
    # 'wasm-unsafe-eval' lets Pagefind compile its WebAssembly; nothing inline runs or styles.
    "content-security-policy": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass(frozen=True)
class ServerConfig:
    project: Project
    data: Path
    """Where the site is written, and the SQLite database and secret key kept."""
    database: str
    release: Path | None = None
    """A release folder whose PDFs the announcements offer."""
    rate_limit: tuple[int, int] = (5, 600)
    """At most this many comments from one address in this many seconds."""
    login_limit: tuple[int, int] = (5, 900)
    """At most this many failed moderator logins from one address in this many seconds."""
    secure_cookies: bool = False
    """Send cookies over HTTPS only (set behind an HTTPS reverse proxy)."""
    secret: bytes = field(default=b"", repr=False)
    """Signs sessions and captchas; read from (or created in) ``data/secret.key`` when empty."""


def load_secret(data: Path) -> bytes:
    path = data / "secret.key"
    if not path.exists():
        data.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_bytes(secrets.token_bytes(32))
    return path.read_bytes()


class SecurityHeaders:
    """ASGI middleware adding ``SECURITY_HEADERS`` to every response."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].decode("latin-1") not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


# ------------------------------------------------------------------ anti-spam


class Captcha:
    """«چهارده + دوازده =»: two numbers in Persian words, the sum signed into the form."""

    def __init__(self, secret: bytes, max_age: int = 7200) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="reportgen-captcha")
        self.max_age = max_age

    def make(self) -> tuple[str, str]:
        first, second = 2 + secrets.randbelow(18), 2 + secrets.randbelow(18)
        question = f"{number_in_words(first)} + {number_in_words(second)} ="
        return question, self._signer.dumps({"sum": first + second, "nonce": secrets.token_hex(8)})

    def check(self, token: str, answer: str) -> bool:
        try:
            expected = self._signer.loads(token, max_age=self.max_age)["sum"]
        except (BadSignature, KeyError, TypeError):
            return False
        return to_latin_digits(answer).strip() == str(expected)


def client_address(request: Request) -> str:
    # Behind a reverse proxy uvicorn puts the forwarded address here (--forwarded-allow-ips).
    return request.client.host if request.client else "unknown"


def clean(text: str) -> str:
    """Visitor text as stored: line ends unified, control characters (and NUL) removed, trimmed."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def check_fields(values: dict[str, str], page: EditionPage) -> list[str]:
    """Everything wrong with a comment form, in Persian, for the visitor."""
    errors: list[str] = []
    if not values["name"]:
        errors.append("نام را بنویسید.")
    if not _EMAIL.match(values["email"]):
        errors.append("نشانی ایمیل معتبر نیست.")
    if not values["text"]:
        errors.append("متن دیدگاه خالی است.")
    for key, limit in LIMITS.items():
        if len(values[key]) > limit:
            errors.append(f"{ {'name': 'نام', 'email': 'ایمیل', 'text': 'دیدگاه'}[key] } حداکثر "
                          f"{to_persian_digits(limit)} نویسه است.")  # fmt: skip
    if values["item"] and not page.has_reference(values["item"]):
        errors.append("بند انتخاب‌شده در این ویرایش نیست.")
    return errors


# ------------------------------------------------------------------ the application


class Consultation:
    """State shared by the handlers: the site, the store, the signers."""

    def __init__(self, config: ServerConfig, site: Site, store: Store, secret: bytes) -> None:
        self.config = config
        self.site = site
        self.store = store
        self.captcha = Captcha(secret)
        self.address_secret = secret

    # -------------------------------------------------------------- helpers

    @staticmethod
    def csrf(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(24)
        return str(token)

    @staticmethod
    def csrf_ok(request: Request, form: Any) -> bool:
        sent, kept = str(form.get("csrf", "")), request.session.get("csrf")
        return bool(kept) and secrets.compare_digest(sent, str(kept))

    def page(self, request: Request) -> EditionPage | None:
        params = request.path_params
        return self.site.page(params["report"], params["stage"], params["edition"])

    def public(self, page: EditionPage, comment: StoredComment) -> dict[str, Any]:
        """What the public sees of a comment: never the e-mail."""
        return {"id": comment.id, "name": comment.name, "text": comment.text, "date": jalali(comment.created),
                "item_label": page.label(comment.item) if comment.item else ""}  # fmt: skip

    async def form_context(self, request: Request, page: EditionPage, action: str, item: str | None,
                           values: dict[str, str] | None = None,
                           errors: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
        approved = await run_in_threadpool(self.store.list, edition=page.key, status=Status.approved, item=item)
        question, token = self.captcha.make()
        choices = [(kind, chapter.title) for kind, chapter in ((c.kind, c) for c in page.chapters)]
        return {"comments": [self.public(page, c) for c in approved], "action": action, "csrf": self.csrf(request),
                "question": question, "captcha_token": token, "item_fixed": item, "item_choices": choices,
                "values": values or {}, "errors": errors or [], "limits": LIMITS,
                "sent": request.query_params.get("sent") == "1"}  # fmt: skip

    def address(self, request: Request) -> str:
        return address_key(client_address(request), self.address_secret)

    async def over_limit(self, counter: Callable[[str, dt.datetime], int], address: str,
                         limit: tuple[int, int]) -> bool:  # fmt: skip
        """Whether ``address`` used up ``limit`` (count, seconds) of what ``counter`` counts in the database
        (comments, failed logins): the count is shared by every worker process and survives a restart."""
        count, seconds = limit
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
        return await run_in_threadpool(counter, address, since) >= count

    # -------------------------------------------------------------- public pages

    async def announcement(self, request: Request) -> Response:
        page = self.page(request)
        if page is None:
            return PlainTextResponse("Not Found", status_code=404)
        context = await self.form_context(request, page, f"/{page.folder}/comments", None)
        return HTMLResponse(render_announcement(self.site, page, absolute=True, **context))

    async def item(self, request: Request) -> Response:
        page = self.page(request)
        reference = request.path_params["reference"]  # kind/id, chapter/block or chapter/block/item
        found = page.find_item(reference) if page else None
        if page is None or found is None:
            return PlainTextResponse("Not Found", status_code=404)
        return HTMLResponse(await self.render_item(request, page, reference))

    async def render_item(self, request: Request, page: EditionPage, reference: str,
                          values: dict[str, str] | None = None, errors: list[str] | None = None) -> str:  # fmt: skip
        found = page.find_item(reference)
        assert found is not None
        context = await self.form_context(request, page, f"/{page.folder}/comments", reference, values, errors)
        text = " ".join(" ".join(prose(found)).split())
        return self.site.environment.get_template("item.html.j2").render(
            page=page, root="/", here=f"/{page.folder}/", name=item_name(found),
            chapter=page.place(reference),
            snippet=text if len(text) <= 600 else text[:599] + "…", consultation=context,
            anchor=reference)  # fmt: skip

    async def approved(self, request: Request) -> Response:
        """Approved comments by item, for the edition's text to show under each item (name, date, text only)."""
        page = self.page(request)
        if page is None:
            return PlainTextResponse("Not Found", status_code=404)
        found: dict[str, list[dict[str, Any]]] = {}
        for comment in await run_in_threadpool(self.store.list, edition=page.key, status=Status.approved):
            if comment.item:
                public = self.public(page, comment)
                found.setdefault(comment.item, []).append({k: public[k] for k in ("name", "date", "text")})
        return JSONResponse(found)

    async def submit(self, request: Request) -> Response:
        page = self.page(request)
        if page is None:
            return PlainTextResponse("Not Found", status_code=404)
        form = await request.form(max_files=0, max_fields=12, max_part_size=64 * 1024)
        if not self.csrf_ok(request, form):
            return PlainTextResponse("CSRF token missing or wrong: reload the page and send again.", status_code=403)
        values = {key: clean(str(form.get(key, ""))) for key in ("name", "email", "text", "item")}
        back = f"/{page.folder}/" + (f"items/{values['item']}" if page.find_item(values["item"]) else "")
        if str(form.get("website", "")):  # the honeypot: a person never sees it
            return RedirectResponse(f"{back}?sent=1#sent", status_code=303)
        errors = check_fields(values, page)
        if not self.captcha.check(str(form.get("captcha_token", "")), str(form.get("captcha", ""))):
            errors.append("پاسخ پرسش حساب درست نیست.")
        address = self.address(request)
        if not errors and await self.over_limit(self.store.recent_from, address, self.config.rate_limit):
            return PlainTextResponse("Too many comments from your address: please try again later.", status_code=429,
                                     headers={"retry-after": str(self.config.rate_limit[1])})  # fmt: skip
        if errors:
            if "/items/" in back:
                html = await self.render_item(request, page, values["item"], values, errors)
            else:
                context = await self.form_context(request, page, f"/{page.folder}/comments", None, values, errors)
                html = render_announcement(self.site, page, absolute=True, **context)
            return HTMLResponse(html, status_code=400)
        comment = NewComment(page.key, values["item"], values["name"], values["email"], values["text"], address)
        await run_in_threadpool(self.store.add, comment)
        return RedirectResponse(f"{back}?sent=1#sent", status_code=303)

    # -------------------------------------------------------------- moderation

    def render(self, name: str, **context: Any) -> str:
        return self.site.environment.get_template(name).render(root="/", **context)

    async def login_page(self, request: Request) -> Response:
        return HTMLResponse(self.render("login.html.j2", csrf=self.csrf(request), error=""))

    async def login(self, request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=5)
        if not self.csrf_ok(request, form):
            return PlainTextResponse("CSRF token missing or wrong.", status_code=403)
        address = self.address(request)
        # Checked before the password: once over the limit, even the right password is not tried.
        if await self.over_limit(self.store.login_failures_from, address, self.config.login_limit):
            minutes = to_persian_digits(-(-self.config.login_limit[1] // 60))
            error = f"تلاش‌های ناموفق ورود از نشانی شما بیش از حد مجاز است؛ {minutes} دقیقهٔ دیگر دوباره تلاش کنید."
            return HTMLResponse(self.render("login.html.j2", csrf=self.csrf(request), error=error), status_code=429,
                                headers={"retry-after": str(self.config.login_limit[1])})  # fmt: skip
        # Counted as failed until the password proves right: attempts sent in parallel cannot all slip in
        # while the (deliberately slow) hash is checked.
        await run_in_threadpool(self.store.record_login_failure, address)
        username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))[:256]
        if not await run_in_threadpool(self.store.check_moderator, username, password):
            html = self.render("login.html.j2", csrf=self.csrf(request), error="نام کاربری یا گذرواژه درست نیست.")
            return HTMLResponse(html, status_code=401)
        await run_in_threadpool(self.store.forget_login_failures, address)
        request.session.clear()  # a fresh session (and CSRF token) on login
        request.session["moderator"] = username
        return RedirectResponse("/moderate", status_code=303)

    async def logout(self, request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=3)
        if not self.csrf_ok(request, form):
            return PlainTextResponse("CSRF token missing or wrong.", status_code=403)
        request.session.clear()
        return RedirectResponse("/moderate/login", status_code=303)

    async def queue(self, request: Request) -> Response:
        moderator = request.session.get("moderator")
        if not moderator:
            return RedirectResponse("/moderate/login", status_code=303)
        try:
            status = Status(request.query_params.get("status", "pending"))
        except ValueError:
            status = Status.pending
        stored = await run_in_threadpool(self.store.list, status=status)
        rows = []
        for comment in stored:
            report, stage, edition = comment.edition.split("/")
            page = self.site.page(report, int(stage), int(edition))
            label = (page.label(comment.item) if page and comment.item else "کل گزارش")
            rows.append({"id": comment.id, "edition": comment.edition, "item_label": label, "name": comment.name,
                         "email": comment.email, "text": comment.text, "date": jalali(comment.created)})  # fmt: skip
        labels = [("pending", "در انتظار بررسی"), ("approved", "تأییدشده"), ("rejected", "ردشده"), ("spam", "هرزنامه")]
        return HTMLResponse(self.render("moderate.html.j2", moderator=moderator, csrf=self.csrf(request),
                                        comments=rows, status=status.value, statuses=labels))  # fmt: skip

    async def decide(self, request: Request) -> Response:
        if not request.session.get("moderator"):
            return PlainTextResponse("Log in first.", status_code=403)
        form = await request.form(max_files=0, max_fields=4)
        if not self.csrf_ok(request, form):
            return PlainTextResponse("CSRF token missing or wrong.", status_code=403)
        actions = {"approve": Status.approved, "reject": Status.rejected, "spam": Status.spam}
        action = actions.get(str(form.get("action", "")))
        if action is None:
            return PlainTextResponse("Unknown action.", status_code=400)
        if not await run_in_threadpool(self.store.set_status, request.path_params["comment_id"], action):
            return PlainTextResponse("Not Found", status_code=404)
        return RedirectResponse("/moderate", status_code=303)


CONFIG_VARIABLE = "REPORTGEN_WEB_SERVER"


def config_to_environment(config: ServerConfig) -> str:
    """The configuration for worker processes, which uvicorn starts from an import string."""
    return json.dumps({"root": str(config.project.root), "output": str(config.project.output), "data": str(config.data),
                       "database": config.database, "release": str(config.release) if config.release else None,
                       "rate_limit": list(config.rate_limit), "login_limit": list(config.login_limit),
                       "secure_cookies": config.secure_cookies})  # fmt: skip


def app_from_environment() -> Starlette:
    """uvicorn's factory in each worker: the site is already written; the secret key is read from the data folder."""
    values = json.loads(os.environ[CONFIG_VARIABLE])
    config = ServerConfig(Project.at(Path(values["root"]), Path(values["output"])), Path(values["data"]),
                          values["database"], Path(values["release"]) if values["release"] else None,
                          (int(values["rate_limit"][0]), int(values["rate_limit"][1])),
                          (int(values["login_limit"][0]), int(values["login_limit"][1])),
                          values["secure_cookies"])  # fmt: skip
    return create_app(config, write=False)


def jalali(moment: dt.datetime) -> str:
    local = moment.astimezone(IRAN)
    date = jdatetime.date.fromgregorian(date=local.date())
    return to_persian_digits(f"{date.year:04d}/{date.month:02d}/{date.day:02d}")


def create_app(config: ServerConfig, write: bool = True) -> Starlette:
    """Build the site into ``config.data/site`` (unless ``write`` is false: it is there), open the store,
    and return the application."""
    secret = config.secret or load_secret(config.data)
    site = load_site(config.project, config.release)
    if write:
        write_site(config.project, site, config.data / "site", config.release, consultation=True)
    store = Store(config.database)
    app = Consultation(config, site, store, secret)
    edition = "/{report}/stage-{stage:int}/edition-{edition:int}"
    routes = [
        Route(f"{edition}/", app.announcement),
        Route(f"{edition}/index.html", app.announcement),
        Route(f"{edition}/comments", app.submit, methods=["POST"]),
        Route(f"{edition}/comments.json", app.approved),
        Route(f"{edition}/items/{{reference:path}}", app.item),
        Route("/moderate/login", app.login_page),
        Route("/moderate/login", app.login, methods=["POST"]),
        Route("/moderate/logout", app.logout, methods=["POST"]),
        Route("/moderate", app.queue),
        Route("/moderate/{comment_id:int}", app.decide, methods=["POST"]),
        Mount("/", StaticFiles(directory=config.data / "site", html=True)),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=secret.hex(), session_cookie="reportgen_session",
                   max_age=8 * 3600, same_site="lax", https_only=config.secure_cookies),  # fmt: skip
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        store.close()

    application = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    application.state.consultation = app
    return application
