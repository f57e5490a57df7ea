"""The consultation on the web, used as a person would: a real server, Debian's headless chromium.

One published copy of the mini project, one ``reportgen serve`` and one browser for the module.
The security tests talk HTTP to the same server, each from its own address (X-Forwarded-For from
127.0.0.1, as a reverse proxy would send it), so the per-address rate limit keeps them apart.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_support import (
    CHAPTERS_PAGE,
    PASSWORD,
    ROOT_PAGE,
    Server,
    chromium_driver,
    form_fields,
    run,
    serving,
    solve,
)

pytestmark = pytest.mark.skipif(not shutil.which("chromium") or not shutil.which("chromedriver"),
                                reason="Debian's chromium and chromium-driver are not installed (scripts/setup.sh)")

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SQL = "'); DROP TABLE comments; --"
EMAIL = "citizen.secret@example.org"
ITEM = "case-studies/tehran"
SWOT_ENTRY = "analysis/swot-town/s-heritage"
"""A generic chapter's item: chapter, block, item (its id is unique only in its block)."""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from web_support import make_published_project

    root = tmp_path_factory.mktemp("web")
    make_published_project(root)
    return root


@pytest.fixture(scope="module")
def server(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(project, tmp_path_factory.mktemp("web-data"), "--rate-limit", "3/600") as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver: Any = chromium_driver()
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(browser: Any, css: str, timeout: float = 15) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    located = expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    return WebDriverWait(browser, timeout).until(located)


def database(server: Server) -> sqlite3.Connection:
    return sqlite3.connect(server.data / "comments.sqlite3")


def log_in(browser: Any, server: Server) -> None:
    """The moderator's queue, logging in first unless the browser's session already is."""
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/moderate")
    if browser.find_elements(By.ID, "l-user"):
        browser.find_element(By.ID, "l-user").send_keys("admin")
        browser.find_element(By.ID, "l-password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, ".login-form button").click()
    wait_for(browser, "table.queue")


def send_comment(browser: Any, text: str) -> None:
    """Fill in and send the comment form of the page open in ``browser``."""
    from selenium.webdriver.common.by import By

    wait_for(browser, "form.comment-form")
    browser.find_element(By.ID, "f-name").send_keys("شهروند همدانی")
    browser.find_element(By.ID, "f-email").send_keys(EMAIL)
    browser.find_element(By.ID, "f-text").send_keys(text)
    question = browser.find_element(By.CSS_SELECTOR, "label[for=f-captcha]").text
    browser.find_element(By.ID, "f-captcha").send_keys(solve(question.rstrip(" *")))
    browser.find_element(By.CSS_SELECTOR, "form.comment-form button[type=submit]").click()
    assert "پس از بررسی مدیر منتشر خواهد شد" in wait_for(browser, "p.sent").text


def screenshot(browser: Any, name: str) -> None:
    """Kept where REPORTGEN_SCREENSHOTS points (to look at them), else only taken (it must not fail)."""
    folder = Path(os.environ.get("REPORTGEN_SCREENSHOTS") or tempfile.mkdtemp(prefix="reportgen-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(folder / name))


# ------------------------------------------------------------------ a citizen, a moderator, the consultant


def test_comment_from_announcement_to_the_next_editions_register(server: Server, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    # The site's home lists the stage; its announcement links the edition and the PDF with its SHA-256.
    browser.get(server.url + "/")
    browser.find_element(By.PARTIAL_LINK_TEXT, "برنامه راهبردی شهر نمونه").click()
    assert ROOT_PAGE in browser.current_url
    assert "ویرایش اول" in browser.find_element(By.TAG_NAME, "h1").text
    pdf = server.project / "dist" / "mini-city_stage-1_edition-1.pdf"
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() in browser.page_source
    screenshot(browser, "announcement.png")

    # Follow the link to the edition: every item sits at an anchor equal to its id.
    browser.find_element(By.PARTIAL_LINK_TEXT, "به منظور مطالعهٔ سند").click()
    wait_for(browser, "main.edition")
    for anchor in ("approaches", "approaches/bsc", "glossary/vision", ITEM, "case-studies/boston"):
        assert browser.execute_script("return document.getElementById(arguments[0]) !== null", anchor), anchor

    # Search offline in the browser: Arabic «ك/ي», Latin digits and a ZWNJ-word typed joined all match.
    box = wait_for(browser, "form.search:not([hidden]) input")
    for query, expected in (("كارت امتيازي", "approaches/bsc"), ("پنجساله تهران 1398", ITEM)):
        box.clear()
        box.send_keys(query)
        hit = wait_for(browser, f'.search-results a.hit[href$="#{expected}"]')
    hit.click()
    assert browser.current_url.endswith("#" + ITEM)

    # The item's comment link leads to its page; the comment goes in with the Persian-words question answered.
    wait_for(browser, f'[id="{ITEM}"] a.comment-link').click()
    wait_for(browser, "form.comment-form")
    browser.find_element(By.ID, "f-name").send_keys(XSS)
    browser.find_element(By.ID, "f-email").send_keys(EMAIL)
    browser.find_element(By.ID, "f-text").send_keys(f"نظر شهروند دربارهٔ تجربهٔ تهران {XSS} {SQL}")
    question = browser.find_element(By.CSS_SELECTOR, "label[for=f-captcha]").text
    browser.find_element(By.ID, "f-captcha").send_keys(solve(question.rstrip(" *")))
    browser.find_element(By.CSS_SELECTOR, "form.comment-form button[type=submit]").click()
    assert "پس از بررسی مدیر منتشر خواهد شد" in wait_for(browser, "p.sent").text
    assert "هنوز نظری منتشر نشده است" in browser.page_source  # awaiting moderation, not public
    with database(server) as connection:
        assert connection.execute("select status, item from comments").fetchall() == [("pending", ITEM)]

    # The moderator logs in and approves it; the payload is text in the queue too.
    browser.get(server.url + "/moderate")
    browser.find_element(By.ID, "l-user").send_keys("admin")
    browser.find_element(By.ID, "l-password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, ".login-form button").click()
    row = wait_for(browser, "table.queue tbody tr")
    assert XSS in row.text and EMAIL in row.text
    screenshot(browser, "moderation-queue.png")
    row.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
    WebDriverWait(browser, 15).until(expected_conditions.staleness_of(row))
    wait_for(browser, "table.queue")
    assert not browser.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")

    # Now public under its item, literally, without the e-mail; nothing ran.
    browser.get(f"{server.url}{ROOT_PAGE}items/{ITEM}")
    comment = wait_for(browser, "li.comment")
    assert XSS in comment.text and SQL in comment.text
    assert EMAIL not in browser.page_source
    assert browser.execute_script("return document.querySelectorAll('img[src=x], script:not([src])').length") == 0
    screenshot(browser, "item-with-comment.png")
    browser.get(f"{server.url}{ROOT_PAGE}text.html")
    under_item = wait_for(browser, f'[id="{ITEM}"] details.item-comments')
    assert "(۱)" in under_item.text
    under_item.click()
    assert XSS in under_item.text and EMAIL not in browser.page_source

    # The consultant starts the next edition, exports the comment into its register and builds its PDF.
    run("edition", "new", "mini-city", "--stage", "1", "--date", "1403/03/01", project=server.project)
    exported = run("comments", "export", "mini-city", "--stage", "1", "--data", str(server.data),
                   project=server.project)  # fmt: skip
    assert "exported 1 comment(s)" in exported.stdout
    register = (server.project / "content/mini-city/stage-1/edition-2/comments.yaml").read_text(encoding="utf-8")
    assert EMAIL not in register and f"- {ITEM}" in register
    validated = run("validate", project=server.project)
    assert "comment 'web-1' has no response yet" in validated.stderr
    run("build", "mini-city", "--stage", "1", "--edition", "2", "-o", str(server.data / "pdf"), project=server.project)
    pdf_text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(server.data / "pdf/mini-city_stage-1_edition-2.pdf"),
                               "-"], check=True, capture_output=True, text=True).stdout  # fmt: skip
    flat = " ".join(re.sub("[\u202a-\u202e\u2066-\u2069]", "", pdf_text).split())  # pdftotext's bidi marks
    assert "نظر شهروند" in flat and EMAIL not in flat
    # Text extraction reorders mixed-direction runs, so look for the payload's words: had the markup been
    # interpreted, the script's text and the attribute would not be on the page at all.
    assert flat.count("script") >= 4 and "onerror" in flat and "alert" in flat and "DROP TABLE comments" in flat
    assert "<" in flat and "img src" in flat
    # Exported once: a second export adds nothing.
    again = run("comments", "export", "mini-city", "--stage", "1", "--data", str(server.data), project=server.project)
    assert "no approved comments to export" in again.stdout


def test_comment_on_an_item_of_a_generic_chapter(server: Server, browser: Any) -> None:
    """Stage 2 is made of typed blocks: a SWOT entry is found, commented, approved, shown and exported
    under its own name, ``chapter/block/item``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(server.url + CHAPTERS_PAGE)
    browser.find_element(By.PARTIAL_LINK_TEXT, "به منظور مطالعهٔ سند").click()
    wait_for(browser, "main.edition")
    # The chapter, its blocks and their items, each at an anchor equal to its name; cross-references link there.
    for anchor in ("analysis", "analysis/swot-town", SWOT_ENTRY, "people/population", "people/population/y1395",
                   "analysis/goals/g-tourism", "people/people-intro"):  # fmt: skip
        assert browser.execute_script("return document.getElementById(arguments[0]) !== null", anchor), anchor
    assert browser.find_elements(By.CSS_SELECTOR, f'a.xref[href="#{SWOT_ENTRY}"]')

    # Found by search (typed with Arabic «ي»), the hit opens the item's anchor.
    box = wait_for(browser, "form.search:not([hidden]) input")
    box.send_keys("ميراث تاريخي ارزشمند")
    wait_for(browser, f'.search-results a.hit[href$="#{SWOT_ENTRY}"]').click()
    assert browser.current_url.endswith("#" + SWOT_ENTRY)

    # A block has its comment link as an item has.
    assert browser.find_elements(By.CSS_SELECTOR, '[id="analysis/swot-town"] > a.comment-link')
    wait_for(browser, f'[id="{SWOT_ENTRY}"] a.comment-link').click()
    assert browser.current_url.endswith(f"{CHAPTERS_PAGE}items/{SWOT_ENTRY}")
    send_comment(browser, "میراث تاریخی را با گردشگری پیوند دهید.")
    with database(server) as connection:
        (number,) = connection.execute("select id from comments where item = ?", (SWOT_ENTRY,)).fetchone()

    log_in(browser, server)
    row = wait_for(browser, f"#queue-{number}")
    row.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
    WebDriverWait(browser, 15).until(expected_conditions.staleness_of(row))
    wait_for(browser, "table.queue")
    assert not browser.find_elements(By.ID, f"queue-{number}")

    # Public under its item, on its page and in the text.
    browser.get(f"{server.url}{CHAPTERS_PAGE}items/{SWOT_ENTRY}")
    assert "با گردشگری پیوند دهید" in wait_for(browser, "li.comment").text
    assert "تحلیل راهبردی — ماتریس قوت" in browser.find_element(By.CSS_SELECTOR, ".item-page .meta").text  # its block
    browser.get(f"{server.url}{CHAPTERS_PAGE}text.html#{SWOT_ENTRY}")
    under_item = wait_for(browser, f'[id="{SWOT_ENTRY}"] details.item-comments')
    under_item.click()
    assert "با گردشگری پیوند دهید" in under_item.text and EMAIL not in browser.page_source
    screenshot(browser, "generic-item-with-comment.png")

    # Into the next edition's register, under the same name; validation knows it.
    run("edition", "new", "blocks-town", "--stage", "2", "--date", "1404/04/01", project=server.project)
    exported = run("comments", "export", "blocks-town", "--stage", "2", "--data", str(server.data),
                   project=server.project)  # fmt: skip
    assert "exported 1 comment(s)" in exported.stdout
    register = (server.project / "content/blocks-town/stage-2/edition-2/comments.yaml").read_text(encoding="utf-8")
    assert f"- {SWOT_ENTRY}" in register and EMAIL not in register
    assert f"comment 'web-{number}' has no response yet" in run("validate", project=server.project).stderr


# ------------------------------------------------------------------ security, over HTTP


def fresh_form(server: Server, address: str, path: str = ROOT_PAGE) -> tuple[Any, dict[str, str]]:
    client = server.client(address)
    page = client.get(path)
    assert page.status_code == 200
    return client, form_fields(page.text)


def post(client: Any, fields: dict[str, str], **changes: str) -> Any:
    data = {"name": "شهروند", "email": "a@example.org", "text": "متن نظر", "item": "", "website": "", **fields}
    data.update(changes)
    return client.post(ROOT_PAGE + "comments", data={k: v for k, v in data.items() if v is not None})


def count(server: Server) -> int:
    with database(server) as connection:
        return int(connection.execute("select count(*) from comments").fetchone()[0])


def test_every_response_has_the_security_headers_and_cookie_flags(server: Server) -> None:
    client = server.client("10.9.0.1")
    for path in ("/", ROOT_PAGE, ROOT_PAGE + "text.html", "/moderate/login", "/assets/site.css"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "'unsafe-inline'" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    cookie = server.client("10.9.0.1").get(ROOT_PAGE).headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_a_post_without_the_csrf_token_is_refused(server: Server) -> None:
    before = count(server)
    client, fields = fresh_form(server, "10.9.0.2")
    assert post(client, fields, csrf="").status_code == 403
    assert post(server.client("10.9.0.2"), fields).status_code == 403  # a token without its session
    assert count(server) == before


def test_a_wrong_answer_to_the_question_is_refused(server: Server) -> None:
    before = count(server)
    client, fields = fresh_form(server, "10.9.0.3")
    answer = str(int(fields["captcha"]) + 1)
    refused = post(client, fields, captcha=answer)
    assert refused.status_code == 400 and "پاسخ پرسش حساب درست نیست" in refused.text
    assert post(client, fields, captcha_token="forged").status_code == 400
    assert count(server) == before


def test_the_honeypot_and_the_field_limits(server: Server) -> None:
    before = count(server)
    client, fields = fresh_form(server, "10.9.0.4")
    assert post(client, fields, website="https://spam.example").status_code == 303
    assert post(client, fields, text="ن" * 5001).status_code == 400
    assert post(client, fields, email="not-an-address").status_code == 400
    assert post(client, fields, item="approaches/no-such-item").status_code == 400
    assert count(server) == before


def test_the_rate_limit_engages_per_address(server: Server) -> None:
    client, fields = fresh_form(server, "10.9.0.5")
    codes = [post(client, fields).status_code for _ in range(4)]
    assert codes == [303, 303, 303, 429]
    other, other_fields = fresh_form(server, "10.9.0.6")
    assert post(other, other_fields).status_code == 303


def test_sql_metacharacters_are_stored_as_text(server: Server) -> None:
    client, fields = fresh_form(server, "10.9.0.7")
    assert post(client, fields, name=SQL, text=f"{SQL} \" ; -- /* */ \\").status_code == 303
    with database(server) as connection:
        assert connection.execute("select count(*) from comments where name = ?", (SQL,)).fetchone()[0] == 1
        assert connection.execute("select count(*) from sqlite_master where name = 'comments'").fetchone()[0] == 1


def test_moderation_needs_a_login_and_a_token(server: Server) -> None:
    anonymous = server.client("10.9.0.8")
    assert anonymous.get("/moderate").headers["location"] == "/moderate/login"
    assert anonymous.post("/moderate/1", data={"action": "approve"}).status_code == 403
    login = form_fields(anonymous.get("/moderate/login").text)
    wrong = anonymous.post("/moderate/login", data={**login, "username": "admin", "password": "wrong-password"})
    assert wrong.status_code == 401
    assert anonymous.post("/moderate/login", data={"username": "admin", "password": PASSWORD}).status_code == 403
    assert anonymous.post("/moderate/login", data={**login, "username": "admin", "password": PASSWORD}
                          ).status_code == 303  # fmt: skip
    queue = anonymous.get("/moderate")
    assert queue.status_code == 200
    assert anonymous.post("/moderate/1", data={"action": "reject"}).status_code == 403  # no CSRF token
    # A payload in the e-mail field (the one field only moderators see) is text there too.
    visitor, fields = fresh_form(server, "10.9.0.10")
    assert post(visitor, fields, email='"><script>alert(2)</script>@x.org', name=XSS).status_code == 303
    queue = anonymous.get("/moderate").text
    assert "<script>alert" not in queue and "onerror=alert(1)>" not in queue
    assert "&lt;script&gt;alert(2)&lt;/script&gt;@x.org" in queue


def test_failed_logins_are_limited_per_address(server: Server) -> None:
    """Five wrong passwords from one address in fifteen minutes (the default): then not even the right one is
    tried there, while another address still logs in."""
    client = server.client("10.9.0.11")
    login = form_fields(client.get("/moderate/login").text)
    codes = [client.post("/moderate/login", data={**login, "username": "admin", "password": f"guess-{n}"}).status_code
             for n in range(5)]  # fmt: skip
    assert codes == [401] * 5
    refused = client.post("/moderate/login", data={**login, "username": "admin", "password": PASSWORD})
    assert refused.status_code == 429 and refused.headers["retry-after"] == "900"
    assert "بیش از حد مجاز" in refused.text
    assert client.get("/moderate").headers["location"] == "/moderate/login"  # not logged in
    other = server.client("10.9.0.12")
    fields = form_fields(other.get("/moderate/login").text)
    assert other.post("/moderate/login", data={**fields, "username": "admin", "password": PASSWORD}
                      ).status_code == 303  # fmt: skip


def test_no_public_page_shows_an_email(server: Server) -> None:
    client = server.client("10.9.0.9")
    pages = ["/", ROOT_PAGE, ROOT_PAGE + "text.html", ROOT_PAGE + "comments.json", f"{ROOT_PAGE}items/{ITEM}"]
    site = server.data / "site"
    for path in pages:
        assert "@example.org" not in client.get(path).text, path
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".js"):
            assert "@example.org" not in path.read_text(encoding="utf-8", errors="replace"), path


def test_the_static_site_command(project: Path, tmp_path: Path) -> None:
    """``reportgen site``: the same pages without a server (no form, announcement written as a file)."""
    run("site", "-o", str(tmp_path / "site"), "--release", str(project / "dist"), "--no-build", project=project)
    announcement = (tmp_path / "site" / ROOT_PAGE.strip("/") / "index.html").read_text(encoding="utf-8")
    text = (tmp_path / "site" / ROOT_PAGE.strip("/") / "text.html").read_text(encoding="utf-8")
    assert 'href="text.html"' in announcement and "<form" not in announcement.split("</header>")[1]
    assert (tmp_path / "site" / ROOT_PAGE.strip("/") / "mini-city_stage-1_edition-1.pdf").is_file()
    assert 'id="approaches/bsc"' in text and 'id="glossary"' in text and "data-consultation" not in text
    assert (tmp_path / "site/assets/fonts/Vazirmatn-Regular.ttf").is_file()
    assert (tmp_path / "site/pagefind/pagefind.js").is_file()
