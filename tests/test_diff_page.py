"""The HTML diff page of the sample (1 → 2) in a real headless Chromium: fonts, Persian, views, links."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import main

from conftest import REPO

webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="Debian chromium and chromium-driver not installed")


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("diff-page") / "diff.html"
    args = ["--project", str(REPO), "diff", "hamedan-strategic-plan", "--stage", "1", "--from", "1", "--to", "2",
            "--format", "html", "-o", str(target)]  # fmt: skip
    assert CliRunner().invoke(main, args).exit_code == 1
    return target


@pytest.fixture(scope="module")
def browser(page: Path) -> Iterator[webdriver.Chrome]:
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1600"):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    try:
        driver.get(page.as_uri())
        driver.execute_async_script("const done = arguments[0]; document.fonts.ready.then(() => done(true));")
        yield driver
    finally:
        driver.quit()


def test_page_loads_in_persian_with_the_report_font(browser: webdriver.Chrome, page: Path) -> None:
    browser.save_screenshot(str(page.with_name("inline.png")))
    assert browser.title == "مقایسهٔ ویرایش اول و ویرایش دوم"
    assert browser.execute_script("return document.documentElement.dir") == "rtl"
    faces = browser.execute_script(
        "return [...document.fonts].filter(f => f.family.includes('Vazirmatn')).map(f => f.status)")
    assert faces and set(faces) == {"loaded"}
    assert browser.execute_script("return document.fonts.check('16px Vazirmatn', 'همدان')")
    text = browser.execute_script("return document.querySelector('main').innerText")
    assert "**" not in text and "[^1]" not in text  # Markdown rendered
    for english in ("stage 1", "body", "roles", "duration_months", "definition"):
        assert english not in text
    assert "پیگیری نظرات" in text
    assert "نمایش دوستونی" in browser.execute_script("return document.body.innerText")


def test_side_by_side_view_puts_old_right_of_new(browser: webdriver.Chrome, page: Path) -> None:
    assert browser.execute_script("return getComputedStyle(document.querySelector('.pair')).display") == "none"
    browser.find_element("css selector", "label[for=view-pair]").click()
    browser.save_screenshot(str(page.with_name("side-by-side.png")))
    layout = browser.execute_script("""
        const field = document.querySelector('section.change.changed .pair');
        const old = field.querySelector('.old').getBoundingClientRect();
        const fresh = field.querySelector('.new').getBoundingClientRect();
        return {display: getComputedStyle(field).display, oldLeft: old.left, newRight: fresh.right,
                top: [old.top, fresh.top], inline: getComputedStyle(document.querySelector('.inline')).display,
                oldDel: field.querySelectorAll('.old del').length, oldIns: field.querySelectorAll('.old ins').length,
                newIns: field.querySelectorAll('.new ins').length, newDel: field.querySelectorAll('.new del').length};
    """)
    assert layout["display"] == "grid" and layout["inline"] == "none"
    assert layout["oldLeft"] >= layout["newRight"] and layout["top"][0] == layout["top"][1]  # side by side, RTL
    # the old text shows what was deleted, the new what was inserted
    assert layout["oldDel"] and not layout["oldIns"] and layout["newIns"] and not layout["newDel"]
    browser.find_element("css selector", "label[for=view-inline]").click()


def test_changes_link_to_their_comments_and_back(browser: webdriver.Chrome) -> None:
    links = browser.execute_script("""
        return [...document.querySelectorAll('.change .answers a')].map(a => a.getAttribute('href'));
    """)
    assert "#comment-c01" in links
    assert all(browser.execute_script(f"return !!document.getElementById('{href[1:]}')") for href in set(links))
    back = browser.execute_script("""
        return [...document.querySelectorAll('#comment-c01 .trace-changes a')].map(a => a.getAttribute('href'));
    """)
    assert back and all(browser.execute_script(f"return !!document.getElementById('{h[1:]}')") for h in back)
    assert browser.execute_script("return document.querySelectorAll('.trace-entry').length") == 18
    first = browser.execute_script("return document.querySelector('.trace-entry')")
    assert "open" in first.get_attribute("class")  # the comment still open comes first


def test_the_role_matrix_is_a_table_with_changed_cells(browser: webdriver.Chrome) -> None:
    matrix = browser.execute_script("""
        const table = document.querySelector('table.matrix');
        return {rows: table.tBodies[0].rows.length, heads: [...table.tHead.rows[0].cells].map(c => c.innerText),
                changed: [...table.querySelectorAll('td.cell-changed')].map(c => c.innerText)};
    """)
    assert matrix["rows"] == 10
    assert "شناخت پیشران‌ها و تدوین سناریوهای آیندهٔ شهر" in matrix["heads"]
    assert any("اطلاع" in c and "مشورت" in c for c in matrix["changed"])
