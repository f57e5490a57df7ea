"""The safe Markdown subset."""

from __future__ import annotations

import pytest

from reportgen.text.markdown import check_markdown, isolate_latin, render_markdown


def test_paragraphs_lists_emphasis() -> None:
    html = render_markdown("بند **مهم** و *تأکید*.\n\n- یک\n- دو\n\n1. الف\n2. ب\n")
    assert "<p>بند <strong>مهم</strong> و <em>تأکید</em>.</p>" in html
    assert "<ul>\n<li>یک</li>" in html
    assert "<ol>\n<li>الف</li>" in html


def test_raw_html_is_text() -> None:
    html = render_markdown('متن <script>alert(1)</script> و <b style="x">پررنگ</b>')
    assert "<script" not in html and "<b " not in html
    assert html.startswith("<p>متن &lt;") and "&gt;پررنگ&lt;/" in html


def test_template_syntax_prints_literally() -> None:
    assert "{{ 7 * 7 }}" in render_markdown("قالب {{ 7 * 7 }} است")


def test_footnotes_render_in_place() -> None:
    html = render_markdown("جمله‌ای[^1] دیگر.\n\n[^1]: منبع *مهم*.\n")
    assert html == '<p>جمله‌ای<span class="footnote" data-footnote>منبع <em>مهم</em>.</span> دیگر.</p>\n'


def test_latin_runs_are_isolated() -> None:
    assert isolate_latin("برنامهٔ Imagine Boston 2030، تحلیل SWOT.") == (
        'برنامهٔ <bdi dir="ltr">Imagine Boston 2030</bdi>، تحلیل <bdi dir="ltr">SWOT</bdi>.'
    )
    assert isolate_latin("a < b") == '<bdi dir="ltr">a &lt; b</bdi>'  # a formula is one run, in its own order


def test_a_parenthesised_latin_name_is_isolated_with_its_brackets() -> None:
    assert isolate_latin("دیوید نورتون (Kaplan & Norton)، ۱۹۹۲") == (
        'دیوید نورتون <bdi dir="ltr">(Kaplan &amp; Norton)</bdi>، ۱۹۹۲'
    )
    # Persian inside the brackets: only the Latin run is isolated, the brackets follow the Persian.
    assert isolate_latin("(تحلیل SWOT)") == '(تحلیل <bdi dir="ltr">SWOT</bdi>)'


def test_zwnj_survives() -> None:
    assert "می\u200cشود" in render_markdown("این کار انجام می\u200cشود.")


@pytest.mark.parametrize("link", ["https://example.org/x", "mailto:info@example.org", "#chapter"])
def test_allowed_links(link: str) -> None:
    assert check_markdown(f"[پیوند]({link})")
    assert f'href="{link}"' in render_markdown(f"[پیوند]({link})")


@pytest.mark.parametrize(
    "link", ["http://example.org", "javascript:alert(1)", "file:///etc/passwd", "data:text/html,x"]
)
def test_refused_links(link: str) -> None:
    with pytest.raises(ValueError, match="is not allowed"):
        check_markdown(f"[پیوند]({link})")
    assert "href" not in render_markdown(f"[پیوند]({link})")


def test_refused_autolink() -> None:
    with pytest.raises(ValueError):
        check_markdown("<file:///etc/passwd>")


def test_a_latin_comma_belongs_to_the_latin_run() -> None:
    assert isolate_latin("John M. Bryson, ") == '<bdi dir="ltr">John M. Bryson,</bdi> '
    assert isolate_latin("SWOT، تحلیل") == '<bdi dir="ltr">SWOT</bdi>، تحلیل'
