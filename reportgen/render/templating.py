"""Edition models → one RTL HTML document (Jinja2). No WeasyPrint here.

Chapters are rendered first, each into its own HTML fragment, while an
``Outline`` (one per render, never shared) records every numbered heading,
table and figure. The front matter (contents, lists of tables and figures)
is rendered last, from that outline, so numbers agree everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote

import jinja2
from markupsafe import Markup

from reportgen.content.blocks import Chapter
from reportgen.content.models import (
    Edition,
    Item,
    RoadmapStage,
    Section,
    item_name,
    iter_items,
)
from reportgen.content.references import find_reference
from reportgen.errors import TemplateError
from reportgen.render import figures
from reportgen.render.blocks import Anchors, install_block_helpers, section_part
from reportgen.render.numbering import DEFAULT_ORDER, install_number_filters
from reportgen.render.theme import ThemeView
from reportgen.text.markdown import isolate_latin, render_markdown
from reportgen.text.persian import (
    format_jalali_date,
    jalali_month_year,
    ordinal_in_words,
    to_persian_digits,
)


@dataclass(frozen=True)
class Heading:
    level: int
    number: str
    """Persian-digit number such as «۲-۱», or '' for unnumbered headings."""
    title: str
    anchor: str
    front: bool
    """In the front matter (pages numbered with letters)."""


FRONT, BODY, APPENDIX = "front", "body", "appendix"
APPENDIX_PREFIX = "پ"


@dataclass(frozen=True)
class Caption:
    kind: str
    """'table' or 'figure'."""
    label: str
    """Persian number such as «۲-۳»."""
    title: str
    anchor: str


@dataclass
class Outline:
    """Numbers headings, tables and figures in document order, for one render."""

    headings: list[Heading] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)
    items: dict[tuple[str, str], str] = field(default_factory=dict)
    """(section kind, item id) → anchor of the item's first element."""
    _counters: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    _chapter_captions: dict[str, int] = field(default_factory=dict)
    _part: str = BODY
    _appendices: int = 0
    _anchors: set[str] = field(default_factory=set)
    naming: Anchors = field(default_factory=Anchors)
    """How generic chapters' blocks and items are named (the PDF's names unless a subclass says otherwise)."""

    def start_chapter(self, part: str) -> None:
        """Front-matter chapters are unnumbered; appendices are numbered پ۱، پ۲ …"""
        self._part = part
        self._chapter_captions = {}
        if part == APPENDIX:
            self._appendices += 1

    def _claim(self, anchor: str) -> None:
        if anchor in self._anchors:
            raise TemplateError(f"anchor '{anchor}' is used twice in the document")
        self._anchors.add(anchor)

    def heading(self, level: int, title: str, anchor: str) -> str:
        """Record a heading; return its number («۲-۱») or '' in the front matter."""
        self._claim(anchor)
        number = ""
        if self._part != FRONT:
            if self._part == APPENDIX and level == 1:
                self._counters[0] = self._appendices
            else:
                self._counters[level - 1] += 1
            for deeper in range(level, len(self._counters)):
                self._counters[deeper] = 0
            number = self.chapter_label + "".join(f"-{n}" for n in self._counters[1:level])
            number = to_persian_digits(number)
        self.headings.append(Heading(level, number, title, anchor, self._part == FRONT))
        return number

    @property
    def chapter_label(self) -> str:
        """«۳» for chapter 3, «پ۱» for the first appendix."""
        prefix = APPENDIX_PREFIX if self._part == APPENDIX else ""
        return f"{prefix}{self._counters[0]}"

    def caption(self, kind: str, title: str, anchor: str) -> str:
        """Record a table or figure caption; return its label («۲-۳»)."""
        self._claim(anchor)
        count = self._chapter_captions.get(kind, 0) + 1
        self._chapter_captions[kind] = count
        prefix = f"{self.chapter_label}-" if self._part != FRONT else ""
        label = to_persian_digits(f"{prefix}{count}")
        self.captions.append(Caption(kind, label, title, anchor))
        return label

    def item(self, section: str, item_id: str) -> str:
        """An anchor for an item's first element in a section ('' when it already has one)."""
        key = (section, item_id)
        if key in self.items:
            return ""
        anchor = f"item-{section}-{item_id}"
        while anchor in self._anchors:
            anchor += "-"
        self._claim(anchor)
        self.items[key] = anchor
        return anchor

    def block_item(self, section: str, block_id: str, item_id: str) -> str:
        """The anchor of an item of a generic block (a redline finds it by the item's id too)."""
        anchor = self.naming.item(section, block_id, item_id)
        self._claim(anchor)
        self.items.setdefault((section, item_id), anchor)
        self.items[(section, f"{block_id}/{item_id}")] = anchor
        return anchor

    def block(self, section: str, block_id: str, anchor: str, claim: bool = False) -> str:
        """Record a block's anchor (claimed here when no heading or caption claims it)."""
        if claim:
            self._claim(anchor)
        self.items.setdefault((section, block_id), anchor)
        return anchor

    def claimed(self, anchor: str) -> bool:
        """Whether some element of the document has this anchor."""
        return anchor in self._anchors

    def block_element(self, section: str, block_id: str, claim: bool) -> str:
        """The id of a block's own element: its anchor when no caption or heading holds it (``claim``), or
        when ``naming`` puts every block's anchor on its element; '' otherwise."""
        if not (claim or self.naming.on_element):
            return ""
        return self.block(section, block_id, self.naming.block(section, block_id), claim=True)

    def of_kind(self, kind: str) -> list[Caption]:
        return [caption for caption in self.captions if caption.kind == kind]


def _markdown(text: str | None) -> Markup:
    return Markup(render_markdown(text)) if text else Markup("")


def _markdown_inline(text: str | None) -> Markup:
    return Markup(render_markdown(text, inline=True)) if text else Markup("")


def _isolate(text: object) -> Markup:
    return Markup(isolate_latin(str(text)))


def _timeline(stages: Sequence[RoadmapStage], month_label: str) -> Markup:
    return Markup(figures.timeline_svg(stages, month_label=month_label))


def make_environment(templates: Path | Sequence[Path]) -> jinja2.Environment:
    """The Jinja2 environment: autoescaped, strict, with Persian filters.

    ``templates`` may be several folders, searched in order: a project's own
    templates first, so that it overrides any of the package's.
    """
    folders = [templates] if isinstance(templates, Path) else list(templates)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder) for folder in folders]),
        autoescape=True,
        extensions=["jinja2.ext.do"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # Compiled templates, keyed by their source's checksum, in Jinja's own
        # per-user temporary folder (created private, its owner checked): not
        # in the project, where shipped content could plant code.
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
    )
    environment.filters.update(
        md=_markdown,
        md_inline=_markdown_inline,
        iso=_isolate,
        fa=to_persian_digits,
        jdate=format_jalali_date,
        jmonth=jalali_month_year,
        ordinal=ordinal_in_words,
    )
    install_number_filters(environment, DEFAULT_ORDER)  # compound numbers («۳-۵»); render_edition sets the theme's
    environment.globals.update(timeline_svg=_timeline)
    return environment


def _render(environment: jinja2.Environment, name: str, **context: object) -> str:
    try:
        return environment.get_template(name).render(**context)
    except jinja2.TemplateError as error:
        where = f"{error.filename}:{error.lineno}: " if isinstance(
            error, jinja2.TemplateSyntaxError) else ""  # fmt: skip
        raise TemplateError(f"template {name}: {where}{error}") from error


class ChangeMarks(Protocol):
    """What a redline adds to a render (see ``compare/redline.py``)."""

    def item_class(self, section: str, item_id: str) -> str:
        """CSS class for an item's element: '' when it did not change."""
        ...

    def final_text(self, text: str) -> str:
        """A marked text as the newer edition has it (for contents, outline, references)."""
        ...

    def field_change(self, section: str, item_id: str, field_path: str) -> object | None:
        """The change of one field of an item (``old``/``new`` attributes), or None."""
        ...


def _no_change(section: str, item_id: str, field_path: str = "") -> None:
    return None


def _same(text: str) -> str:
    return text


def install_edition_globals(environment: jinja2.Environment, edition: Edition,
                            redline: ChangeMarks | None = None) -> Callable[[str], str]:  # fmt: skip
    """The globals every section template reads (imported templates see globals, not the context): the labels
    catalogue, and what a redline changes (``final`` text, ``field_change``); returns ``final``."""
    final: Callable[[str], str] = redline.final_text if redline else _same
    environment.globals.update(catalogue=edition.labels, final=final,
                               field_change=redline.field_change if redline else _no_change)  # fmt: skip
    return final


@dataclass(frozen=True)
class RenderedSection:
    """One section (a stage-1 section or a generic chapter) as HTML, and where it is typeset."""

    kind: str
    title: str
    part: str
    """'front', 'body' or 'appendix'."""
    html: Markup


def render_sections(
    environment: jinja2.Environment, edition: Edition, outline: Outline, redline: ChangeMarks | None = None, *,
    edition_dir: Path | None = None, fonts: Path | None = None, image_url: Callable[[str], str] | None = None,
) -> list[RenderedSection]:  # fmt: skip
    """Every section of ``edition`` in order, numbered by ``outline``: the one dispatch (globals, template,
    context) the PDF and the web edition share, so the two cannot render a section differently.

    ``outline.naming`` names generic blocks' anchors; ``image_url`` where a page finds an image (see
    ``install_block_helpers``).
    """
    final = install_edition_globals(environment, edition, redline)
    if any(isinstance(section, Chapter) for section in edition.sections.values()):
        install_block_helpers(environment, edition, edition_dir, fonts, outline.naming, image_url)
    change_class = redline.item_class if redline else (lambda section, item_id: "")
    rendered: list[RenderedSection] = []
    for kind, section in edition.sections.items():
        part = section_part(kind, section)
        outline.start_chapter(part)
        html = _render_section(environment, kind, section, outline, edition, change_class, final)
        rendered.append(RenderedSection(kind, section.title, part, Markup(html)))
    # Only now does the outline know every anchor: a content link may point forward.
    return [replace(s, html=Markup(resolve_content_links(s.html, outline, edition.sections))) for s in rendered]


def render_edition(
    edition: Edition, templates: Path | Sequence[Path], redline: ChangeMarks | None = None, *,
    theme: ThemeView | None = None, edition_dir: Path | None = None, fonts: Path | None = None, draft: bool = False,
) -> str:  # fmt: skip
    """Render one edition to a complete HTML document (with change marks for a redline).

    ``theme`` carries the project's theme values, ``edition_dir`` is where a
    generic chapter's images are read from, ``fonts`` where charts find the
    report's font to measure their labels. ``draft`` marks every page and the
    title «پیش‌نویس» (a release that includes drafts).
    """
    environment = make_environment(templates)
    theme = theme or ThemeView()
    install_number_filters(environment, theme.compound_numbers)
    outline = Outline()
    sections = render_sections(environment, edition, outline, redline, edition_dir=edition_dir, fonts=fonts)
    return _render(
        environment,
        "document.html.j2",
        edition=edition,
        report=edition.report,
        stage=edition.stage,
        entry=edition.entry,
        outline=outline,
        front_chapters=[s.html for s in sections if s.part == FRONT],
        body_chapters=[s.html for s in sections if s.part != FRONT],
        redline=redline,
        draft=draft,
        theme=theme,
    )


_IN_DOCUMENT_LINK = re.compile(r'href="#([^"]+)"')


def resolve_content_links(html: str, outline: Outline, sections: Mapping[str, object]) -> str:
    """Content's links name chapters and items as comments do (``#glossary``, ``#glossary/t1``):
    point them at the anchors this document gave them (an item without one: its chapter)."""

    def resolve(match: re.Match[str]) -> str:
        kind, _, item_id = unquote(match.group(1)).partition("/")
        if kind not in sections:
            return match.group()  # the document's own links (contents, lists of figures)
        anchor = outline.items.get((kind, item_id)) if item_id else None
        return f'href="#{anchor or f"chapter-{kind}"}"'

    return _IN_DOCUMENT_LINK.sub(resolve, html)


def reference_label(edition: Edition, reference: str) -> str:
    """«chapter title: item name» for a reference (``kind``, ``kind/id``, ``chapter/block/item``), as far as
    this edition knows it."""
    kind, _, item_id = reference.partition("/")
    section = edition.sections.get(kind)
    chapter = section.title if section else kind
    if not item_id:
        return chapter
    item = find_reference(edition.sections, reference)
    items = list(iter_items(section))
    if item is None:  # an older name of a generic item (``chapter/item``), or an item this edition lacks
        item = next((i for i in items if i.id == item_id), None)
    return f"{chapter}: {_item_label(item, items) if item else item_id}"


def _item_label(item: Item, items: Sequence[Item]) -> str:
    """An item's name; one without (a matrix row) is called after the item it refers to."""
    name = item_name(item)
    if name != item.id:
        return name
    names = {i.id: item_name(i) for i in items}
    refers = (getattr(item, f) for f in type(item).model_fields if f != "id")
    referred = next((names[v] for v in refers if isinstance(v, str) and v in names and v != item.id), None)
    return f"{referred} ({MATRIX_ROW})" if referred else name


MATRIX_ROW = "ردیف ماتریس"
"""How a matrix row (an item named after the item it refers to) is told apart from that item."""


def _render_section(
    environment: jinja2.Environment,
    kind: str,
    section: Section,
    outline: Outline,
    edition: Edition,
    change_class: Callable[[str, str], str],
    final: Callable[[str], str] = _same,
) -> str:
    return _render(
        environment,
        "sections/chapter.html.j2" if isinstance(section, Chapter) else f"sections/{kind}.html.j2",
        kind=kind,
        section=section,
        outline=outline,
        edition=edition,
        reference_label=lambda reference: final(reference_label(edition, reference)),
        change_class=change_class,
    )
