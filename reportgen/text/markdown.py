"""The safe Markdown subset used by rich-text fields.

markdown-it-py with raw HTML off parses paragraphs, lists, emphasis, links and
footnotes. Links are allowed only to https, mailto and in-document anchors.
Footnotes are rendered where they are called, as ``<span class="footnote" data-footnote>``,
so that WeasyPrint can float them to the foot of the page.
Latin runs are wrapped in ``<bdi>`` so that their punctuation lands right in
a right-to-left line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from html import escape
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin

from reportgen.text.characters import describe, forbidden_characters

ALLOWED_LINK = re.compile(r"^(https://|mailto:|#)", re.IGNORECASE)

# A run of Latin script: starts and ends with a letter or digit, may hold
# spaces and light punctuation inside ("Imagine Boston 2030", "C40", "SWOT").
# URLs, e-mail addresses, formulas and code keep their inner punctuation
# (?&=@%#~_;!<>*|^) in the run, and accented letters their combining marks,
# so that the whole run displays left to right in its own order.
_WORD = "A-Za-z0-9\u00c0-\u024f\u0300-\u036f"
_LATIN = rf"[A-Za-z\u00c0-\u024f][{_WORD}]*(?:[ .,&'’/+:=?@%#~_;!<>*|^-]+[{_WORD}]+)*/?"
# A Latin run in parentheses is isolated with them: outside, the brackets
# would take the Persian direction, and a name broken across two lines
# ("(Kaplan &" / "Norton)") would show them mirrored and misplaced.
# A Latin comma or semicolon after a Latin run is part of it («John M. Bryson, Strategic …» split by
# emphasis): left outside, it takes the paragraph's direction and lands before the run («,John»).
LATIN_RUN = re.compile(rf"\({_LATIN}\)|{_LATIN}(?:[,;](?=\s|$))?")


# A range «۱۳۹۸–۱۴۰۲» in a right-to-left line shows its start on the right, but as one
# left-to-right number run: extractors that reorder the line read it end first («۱۴۰۲–۱۳۹۸»).
# A right-to-left mark each side of the dash keeps the display and puts the two ends in
# written order in the PDF's text (the marks reach it: typeset/_weasyprint/textlayer).
RANGE_DASH = re.compile(r"(?<=[0-9\u06f0-\u06f9])\u2013(?=[0-9\u06f0-\u06f9])")


def mark_ranges(text: str) -> str:
    """Right-to-left marks around the en dash of each number range: «۱۳۹۸‏–‏۱۴۰۲»."""
    return RANGE_DASH.sub("\u200f\u2013\u200f", text)


def isolate_latin(text: str) -> str:
    """Escape ``text`` for HTML, isolate each Latin run in ``<bdi dir="ltr">``, mark number ranges elsewhere."""
    parts: list[str] = []
    position = 0
    for match in LATIN_RUN.finditer(text):
        parts.append(mark_ranges(escape(text[position : match.start()], quote=False)))
        run = unicodedata.normalize("NFC", match.group())  # «café» typed as e + U+0301 shows as é
        parts.append(f'<bdi dir="ltr">{escape(run, quote=False)}</bdi>')
        position = match.end()
    parts.append(mark_ranges(escape(text[position:], quote=False)))
    return "".join(parts)


def _validate_link(url: str) -> bool:
    return bool(ALLOWED_LINK.match(url.strip()))


def _renderer(parser: MarkdownIt) -> RendererHTML:
    renderer = parser.renderer
    assert isinstance(renderer, RendererHTML)
    return renderer


@cache
def _parser() -> MarkdownIt:
    # commonmark without raw HTML, images or code blocks: content is prose.
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.disable(["image", "html_block", "html_inline", "code", "fence"])
    parser.use(footnote_plugin)
    parser.validateLink = _validate_link  # type: ignore[method-assign]
    parser.add_render_rule("text", _render_text)
    parser.add_render_rule("footnote_ref", _render_footnote_ref)
    for rule in ("footnote_block_open", "footnote_block_close", "footnote_open",
                 "footnote_close", "footnote_anchor"):  # fmt: skip
        parser.add_render_rule(rule, _render_nothing)
    return parser


def _render_text(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return isolate_latin(tokens[idx].content)


def _render_nothing(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return ""


def _render_footnote_ref(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    footnote_id = tokens[idx].meta["id"]
    # data-footnote: the fast path counts the notes before a chapter it lays out alone (typeset/chapters.py)
    return f'<span class="footnote" data-footnote>{env["footnote_html"][footnote_id]}</span>'


def _footnote_bodies(tokens: list[Token], parser: MarkdownIt, env: dict[str, Any]) -> dict[int, str]:
    """Render each footnote's inline content, keyed by footnote id."""
    bodies: dict[int, list[str]] = {}
    current: int | None = None
    for token in tokens:
        if token.type == "footnote_open":
            current = token.meta["id"]
            bodies[current] = []
        elif token.type == "footnote_close":
            current = None
        elif current is not None and token.type == "inline" and token.children:
            bodies[current].append(_renderer(parser).renderInline(token.children, parser.options, env))
    # Inline footnotes (^[...]) keep their tokens in env instead.
    for footnote_id, entry in env.get("footnotes", {}).get("list", {}).items():
        if "tokens" in entry and footnote_id not in bodies:
            bodies[footnote_id] = [_renderer(parser).renderInline(entry["tokens"], parser.options, env)]
    return {key: " ".join(parts) for key, parts in bodies.items()}


def _strip_footnote_block(tokens: list[Token]) -> list[Token]:
    kept: list[Token] = []
    inside = False
    for token in tokens:
        if token.type == "footnote_block_open":
            inside = True
        elif token.type == "footnote_block_close":
            inside = False
        elif not inside:
            kept.append(token)
    return kept


def render_markdown(text: str, *, inline: bool = False) -> str:
    """Render the safe Markdown subset to HTML (``inline``: without ``<p>``)."""
    parser = _parser()
    env: dict[str, Any] = {}
    tokens = parser.parse(text, env)
    env["footnote_html"] = _footnote_bodies(tokens, parser, env)
    body = _strip_footnote_block(tokens)
    if inline and len(body) == 3 and body[0].type == "paragraph_open":
        return _renderer(parser).renderInline(body[1].children or [], parser.options, env)
    return _renderer(parser).render(body, parser.options, env)


MAX_NESTING = 6
"""Lists, quotes, emphasis and links inside each other: deeper is a mistake, and the parser would drop text."""

_CONTAINERS = frozenset({"bullet_list", "ordered_list", "blockquote", "em", "strong", "link", "s"})


@cache
def _checker() -> MarkdownIt:
    # The rendering grammar, with every link accepted (so that refused ones can be
    # named) and room to nest deeper than allowed, so that too deep is seen, not cut.
    checker = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False,
                                        "maxNesting": 4 * MAX_NESTING})  # fmt: skip
    checker.disable(["image", "html_block", "html_inline", "code", "fence"])
    checker.use(footnote_plugin)
    checker.validateLink = lambda url: True  # type: ignore[method-assign]
    return checker


def _walk(tokens: Sequence[Token]) -> list[Token]:
    """Every token, children included, in document order."""
    found: list[Token] = []
    for token in tokens:
        found.append(token)
        if token.children:
            found.extend(_walk(token.children))
    return found


def _deepest(tokens: Sequence[Token]) -> int:
    depth = deepest = 0
    for token in tokens:
        if token.tag and token.type.removesuffix("_open").removesuffix("_close") in _CONTAINERS:
            depth += token.nesting
            deepest = max(deepest, depth)
    return deepest


def _footnote_bodies_cite(tokens: Sequence[Token], env: dict[str, Any]) -> bool:
    inside = False
    for token in tokens:
        if token.type == "footnote_open":
            inside = True
        elif token.type == "footnote_close":
            inside = False
        elif inside and any(child.type == "footnote_ref" for child in _walk([token])):
            return True
    inline = [entry.get("tokens") or [] for entry in env.get("footnotes", {}).get("list", {}).values()]
    return any(child.type == "footnote_ref" for entries in inline for child in _walk(entries))


def markdown_problems(text: str) -> list[str]:
    """What is wrong with ``text`` as rich text, judged on the parsed and decoded text a reader would see."""
    env: dict[str, Any] = {}
    tokens = _walk(_checker().parse(text, env))
    problems: list[str] = []
    for href in (t.attrGet("href") for t in tokens if t.type == "link_open"):
        if isinstance(href, str) and not _validate_link(href):
            problems.append(f"link '{href}' is not allowed (only https://, mailto: and #anchor links)")
    if any(t.type == "heading_open" for t in tokens):
        problems.append("headings ('# …' or an underline of '=' or '-') are not allowed in rich text: "
                        "chapters and their headings come from the section's fields")  # fmt: skip
    depth = _deepest(tokens)
    if depth > MAX_NESTING:
        problems.append(f"lists, quotes or emphasis nested {depth} levels deep; at most {MAX_NESTING} are allowed")
    if _footnote_bodies_cite(tokens, env):
        problems.append("a footnote cites another footnote; write the note's text into the first one")
    # Character references (&#x202E;) decode here: the decoded text is what is judged.
    decoded = "".join(t.content for t in tokens if t.type in ("text", "code_inline"))
    for character in dict.fromkeys(m.group() for m in forbidden_characters(decoded)):
        problems.append(f"invisible control character {describe(character)} (written as a character reference); "
                        "remove it")  # fmt: skip
    return problems


def find_unsafe_links(text: str) -> list[str]:
    """Link targets in ``text`` (inline, reference and autolinks) whose scheme is not allowed."""
    found: list[str] = []
    for token in _walk(_checker().parse(text, {})):
        href = token.attrGet("href") if token.type == "link_open" else None
        if isinstance(href, str) and not _validate_link(href):
            found.append(href)
    return found


def anchor_links(text: str) -> list[str]:
    """The targets of ``text``'s in-document links (``[…](#glossary/t1)`` → ``glossary/t1``), decoded."""
    found: list[str] = []
    for token in _walk(_checker().parse(text, {})):
        href = token.attrGet("href") if token.type == "link_open" else None
        if isinstance(href, str) and href.startswith("#"):
            found.append(unquote(href[1:]))
    return found


def check_markdown(text: str) -> str:
    """Pydantic validator: refuse what rich text may not hold (see ``markdown_problems``)."""
    problems = markdown_problems(text)
    if problems:
        raise ValueError("; ".join(problems))
    return text
