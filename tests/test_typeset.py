"""Typesetting, read back from a real PDF of the small fixture edition."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from reportgen.build.pipeline import typeset_edition
from reportgen.editions.find import load_edition
from reportgen.errors import TypesetError
from reportgen.paths import Project
from reportgen.typeset.engine import RefusedResource, resolve_confined, typeset_pdf

from conftest import MINI_REF, BuiltPdf
from pdfcheck import embedded_fonts, normalize, outline_titles, page_labels, toc_page_numbers

CHAPTERS = ["رویکردها و مدل‌ها", "تعاریف", "تجارب شهرها", "اسناد فرادست", "نقشهٔ راه", "آموزش",
            "تدارک محیط", "مأموریت‌ها و ارزش‌ها"]  # fmt: skip


def test_only_vendored_fonts_embedded_and_subset(mini_pdf: BuiltPdf) -> None:
    fonts = embedded_fonts(mini_pdf.path)
    assert fonts, "no fonts listed"
    for name, embedded, subset in fonts:
        assert re.fullmatch(r"[A-Z]{6}\+Vazirmatn(-Latin)?(-Bold|-Medium)?", name), name
        assert embedded and subset


def test_a4_pages_and_one_landscape_page(mini_pdf: BuiltPdf) -> None:
    reader = PdfReader(str(mini_pdf.path))
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    assert sizes.count((842, 595)) == 1  # the role matrix
    assert all(size in {(595, 842), (842, 595)} for size in sizes)
    landscape = sizes.index((842, 595))
    assert "ماتریس نقش بازیگران کلیدی" in normalize(mini_pdf.pages_text()[landscape])


def test_page_numbers_letters_then_persian_digits(mini_pdf: BuiltPdf) -> None:
    pages = mini_pdf.pages_text()
    labels = page_labels(mini_pdf.path)
    # Cover and its back carry no number; the front matter runs الف، ب، پ …
    assert "فهرست مطالب" in normalize(pages[2])
    assert labels[2:5] == ["الف", "ب", "پ"]
    first_body = next(i for i, text in enumerate(pages) if normalize(text).startswith("۱ رویکردها"))
    body_labels = labels[first_body:]
    assert body_labels == [str(n).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
                           for n in range(1, len(body_labels) + 1)]  # fmt: skip
    assert labels[:2] == ["", ""]


def test_contents_page_numbers_match_the_pages(mini_pdf: BuiltPdf) -> None:
    pages = mini_pdf.pages_text()
    labels = page_labels(mini_pdf.path)
    toc = toc_page_numbers(pages, range(2, 4))
    assert toc["پیشگفتار"] == labels[next(
        i for i, t in enumerate(pages) if i > 3 and normalize(t).startswith("پیشگفتار"))]  # fmt: skip
    for number, title in enumerate(CHAPTERS, start=1):
        heading = normalize(f"{number:d} {title}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
        entry = next(key for key in toc if key.endswith(normalize(title)))
        page = next(i for i, t in enumerate(pages) if i > 3 and normalize(t).startswith(heading))
        assert toc[entry] == labels[page], title


def test_outline_has_every_chapter(mini_pdf: BuiltPdf) -> None:
    titles = [normalize(title) for title in outline_titles(mini_pdf.path)]
    for number, title in enumerate(CHAPTERS, start=1):
        persian = str(number).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        assert normalize(f"{persian} {title}") in titles
    assert normalize("۳-۱-۱ تجربهٔ شهر تهران") in titles
    assert "برنامه راهبردی شهر نمونه" not in titles  # the cover title is no bookmark


def test_metadata(mini_pdf: BuiltPdf) -> None:
    reader = PdfReader(str(mini_pdf.path))
    info = reader.metadata
    assert info is not None
    assert info.title == "برنامه راهبردی شهر نمونه — گزارش مرحلهٔ اول، ویرایش اول"
    assert info.author == "مشاور آزمون"
    assert info.subject == "گزارش مرحلهٔ اول: مطالعات پایه؛ ویرایش اول، ۱۵ اردیبهشت ۱۴۰۳"
    assert info["/CreationDate"].startswith("D:20240504")  # 15 Ordibehesht 1403
    assert reader.trailer["/Root"]["/Lang"] == "fa-IR"


def test_captions_footnotes_and_latin(mini_pdf: BuiltPdf) -> None:
    text = normalize(mini_pdf.text())
    # pdftotext puts the isolated label's colon on the other side; the label itself reads ۱-۱, and
    # «۵-۱» in written order (the marks around its hyphen reach the text; pdftotext spaces its parts).
    assert re.search(r"جدول:? ?۱ ?- ?۱:? ?" + normalize("مدل‌های برنامه‌ریزی راهبردی بررسی‌شده"), text)
    assert re.search(r"شکل:? ?۵ ?- ?۱:? ?" + normalize("گاه‌نگار مراحل تهیهٔ برنامه"), text)
    assert "یادداشت پانویس آزمون" in text
    assert "Imagine Boston 2030" in text and "SWOT" in text


def test_cover_shows_edition_in_words(mini_pdf: BuiltPdf) -> None:
    cover = normalize(mini_pdf.pages_text()[0])
    for words in ("برنامه راهبردی شهر نمونه", "گزارش مرحله اول", "ویرایش اول", "اردیبهشت ۱۴۰۳",
                  "کارفرما", "مشاور آزمون"):  # fmt: skip
        assert normalize(words) in cover


def test_build_is_byte_reproducible(mini_project: Project) -> None:
    edition = load_edition(mini_project, MINI_REF)
    assert typeset_edition(mini_project, edition).pdf == typeset_edition(mini_project, edition).pdf


# ------------------------------------------------------------------ the fetcher


def test_fetcher_allows_files_under_roots(tmp_path: Path) -> None:
    (tmp_path / "styles").mkdir()
    css = tmp_path / "styles" / "a.css"
    css.write_text("p{}")
    assert resolve_confined(css.as_uri(), [tmp_path / "styles"]) == css.resolve()


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/font.ttf",
        "http://127.0.0.1/x.css",
        "data:text/css,p{}",
        "file:///etc/passwd",
        "file://{root}/styles/../secret.txt",
        "file://{root}/styles/%2e%2e/secret.txt",
        "file://{root}/styles-evil/a.css",
        "file://{root}/styles/link.css",
        "file://otherhost{root}/styles/a.css",
    ],
)
def test_fetcher_refuses_escapes(tmp_path: Path, url: str) -> None:
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "a.css").write_text("p{}")
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "styles-evil").mkdir()
    (tmp_path / "styles-evil" / "a.css").write_text("p{}")
    (styles / "link.css").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(RefusedResource):
        resolve_confined(url.replace("{root}", str(tmp_path)), [styles])


def test_outside_resource_fails_the_build(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(b"\x89PNG")
    html = f'<html><body><img src="{(tmp_path / "secret.png").as_uri()}"></body></html>'
    with pytest.raises(TypesetError, match="outside the project's folders"):
        typeset_pdf(html, stylesheets=[], base_dir=tmp_path / "templates", allowed_roots=[tmp_path / "styles"])


def test_weasyprint_warnings_fail_the_build(tmp_path: Path) -> None:
    css = tmp_path / "bad.css"
    css.write_text("p { colour: red; }")
    with pytest.raises(TypesetError, match="colour"):
        typeset_pdf("<p>x</p>", stylesheets=[css], base_dir=tmp_path, allowed_roots=[tmp_path])


def test_no_full_collections_during_layout_and_thresholds_restored(tmp_path: Path) -> None:
    import gc

    from reportgen.typeset.engine import render_part

    seen: list[tuple[int, int, int]] = []

    def layout(document: Any, styles: list[Any], font_config: Any, counter_style: Any) -> Any:
        seen.append(gc.get_threshold())
        return document.render(stylesheets=styles, font_config=font_config, counter_style=counter_style)

    before = gc.get_threshold()
    part = render_part('<html lang="fa"><p>سلام</p>', stylesheets=[], base_dir=tmp_path, allowed_roots=[tmp_path],
                       layout=layout)  # tagged PDF/UA: a document without a language is refused
    assert len(part.page_sizes) == 1
    assert seen[0][:2] == before[:2] and seen[0][2] > 10**6  # young collections on, full ones off
    assert gc.get_threshold() == before
    with pytest.raises(TypesetError):
        render_part("<p>x</p>", stylesheets=[tmp_path / "missing.css"], base_dir=tmp_path,
                    allowed_roots=[tmp_path], layout=layout)  # fmt: skip
    assert gc.get_threshold() == before  # restored after a failed build too


def test_parts_with_one_style_key_share_parsed_stylesheets_and_their_warnings(tmp_path: Path) -> None:
    from reportgen.typeset.engine import _shared_styles, render_part

    css = tmp_path / "a.css"
    css.write_text("p { color: #123456; }")
    common: dict[str, Any] = {"stylesheets": [css], "base_dir": tmp_path, "allowed_roots": [tmp_path]}
    alone = render_part('<html lang="fa"><p>سلام</p>', **common).pdf
    _shared_styles.cache_clear()
    shared = [render_part('<html lang="fa"><p>سلام</p>', style_key="one", **common).pdf for _ in range(2)]
    assert shared == [alone, alone]  # the same bytes as with stylesheets of its own
    assert (_shared_styles.cache_info().misses, _shared_styles.cache_info().hits) == (1, 1)
    css.write_text("p { colour: red; }")
    for _ in range(2):  # the second time the stylesheet comes from the cache: its warning still fails the build
        with pytest.raises(TypesetError, match="colour"):
            render_part("<p>x</p>", style_key="two", **common)


def test_a_document_drawn_in_two_parts_is_described_and_numbered_as_a_whole(tmp_path: Path) -> None:
    """``drawn``: the PDF holds those pages only, margins laid out there only; the description covers every page."""
    from reportgen.typeset.engine import render_part

    css = tmp_path / "page.css"
    css.write_text("@page { @bottom-center { content: counter(page); } } section + section { break-before: page; }")
    html = ('<html lang="fa"><body><section><a href="#c">پیوند</a></section><section id="b">دو</section>'
            '<section id="c">سه</section></body></html>')  # fmt: skip
    common: dict[str, Any] = {"stylesheets": [css], "base_dir": tmp_path, "allowed_roots": [tmp_path]}
    whole = render_part(html, **common)
    first = render_part(html, drawn=(None, -2), **common)  # the link's anchor is on a page it does not draw
    last = render_part(html, drawn=(-2, None), **common)
    assert whole.labels == ("1", "2", "3")
    assert first.labels == ("1", "", "") and last.labels == ("", "2", "3")
    for part in (first, last):
        assert (part.page_sizes, part.anchors, part.page_names) == (whole.page_sizes, whole.anchors, whole.page_names)
    assert [len(PdfReader(io.BytesIO(part.pdf)).pages) for part in (whole, first, last)] == [3, 1, 2]
