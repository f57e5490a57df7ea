"""Helpers for the web tests: a published copy of the mini project, a real server, a real browser."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from reportgen.text.persian import number_in_words, to_latin_digits

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PASSWORD = "moderator-password-1"
ROOT_PAGE = "/mini-city/stage-1/edition-1/"
CHAPTERS_PAGE = "/blocks-town/stage-2/edition-1/"
"""A stage-2 edition made of generic chapters (typed blocks)."""

_WORDS = {number_in_words(n): n for n in range(0, 100)}


def solve(question: str) -> str:
    """The answer to «چهارده + دوازده =», as a person types it (in Persian digits)."""
    first, second = (part.strip() for part in question.rstrip("= *").split("+"))
    return "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in str(_WORDS[first] + _WORDS[second]))


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields and the captcha question of a comment (or login) form."""
    found = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))
    question = re.search(r'<label for="f-captcha">([^<]+?) \*</label>', html)
    if question:
        found["captcha"] = to_latin_digits(solve(question.group(1)))
    return found


def make_published_project(root: Path) -> Path:
    """The mini project (stage 1) and the generic-chapter one (stage 2) with their first editions published and
    the release built; returns the release folder."""
    shutil.copytree(DATA / "mini" / "content", root / "content")
    shutil.copytree(DATA / "blocks" / "content", root / "content", dirs_exist_ok=True)
    for folder in ("styles", "fonts"):
        shutil.copytree(REPO / folder, root / folder)
    run("edition", "publish", "mini-city", "--stage", "1", "--edition", "1", project=root)
    run("edition", "publish", "blocks-town", "--stage", "2", "--edition", "1", project=root)
    run("release", "-o", str(root / "dist"), "--quiet", "-j", "1", project=root)
    return root / "dist"


def run(*args: str, project: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reportgen", "--project", str(project), *args], check=True,
                          capture_output=True, text=True, env={**os.environ, **(env or {})})  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str
    data: Path
    project: Path

    def client(self, address: str | None = None) -> httpx.Client:
        """An HTTP client; ``address`` is sent as X-Forwarded-For, as a reverse proxy on 127.0.0.1 would."""
        headers = {"x-forwarded-for": address} if address else {}
        return httpx.Client(base_url=self.url, headers=headers, follow_redirects=False, timeout=30)


@contextmanager
def serving(project: Path, data: Path, *extra: str) -> Iterator[Server]:
    """``reportgen serve`` on a free port of 127.0.0.1, with a moderator 'admin'."""
    run("moderator", "add", "admin", "--data", str(data), project=project,
        env={"REPORTGEN_MODERATOR_PASSWORD": PASSWORD})  # fmt: skip
    port = free_port()
    command = [sys.executable, "-m", "reportgen", "--project", str(project), "serve", "--port", str(port),
               "--data", str(data), "--release", str(project / "dist"), "--no-build", *extra]  # fmt: skip
    log = (data / "serve.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + (data / "serve.log").read_text())
            time.sleep(0.2)
        yield Server(url, data, project)
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def chromium_driver() -> object:
    """Debian's headless chromium through Debian's chromedriver (nothing is downloaded)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1200,1400", "--lang=fa-IR"):  # fmt: skip
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
