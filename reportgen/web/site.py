"""The web edition: a static right-to-left site of every published edition.

Built from the same validated models as the PDF (never from the PDF): per
edition an announcement page (what the stage covers, the invitation to
comment, the PDF with its size and SHA-256, earlier editions and redlines)
and the edition itself, every chapter at an anchor equal to its section kind
(a generic chapter's id) and every item at the reference a comment names it
by (``content/references.py``): ``kind/id``, and in a generic chapter
``chapter/block`` and ``chapter/block/item``. Chapters are rendered by the
PDF's own ``render_sections``. Search runs in the browser on a Pagefind index
whose text is folded by ``search.py``.

The site reads only the project's content and fonts, the package's templates
and the PDFs of a release folder (checked against its manifest's SHA-256).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import escape
from pydantic import BaseModel

from reportgen.build.release import read_manifest
from reportgen.content.blocks import Chapter as GenericChapter
from reportgen.content.models import Edition, EditionStatus, Item, item_name
from reportgen.content.references import find_reference, item_references
from reportgen.editions.find import EditionRef, find_editions, load_edition, load_stage
from reportgen.errors import OutputError, TemplateError
from reportgen.paths import PACKAGE_DIR, Project
from reportgen.render.blocks import Anchors
from reportgen.render.numbering import install_number_filters
from reportgen.render.templating import Outline, RenderedSection, make_environment, reference_label, render_sections
from reportgen.render.theme import theme_view
from reportgen.text.persian import ordinal_in_words
from reportgen.web.search import FOLD, index_text

WEB_TEMPLATES = PACKAGE_DIR / "web" / "templates"
ASSETS = "assets"
SEARCH_BUNDLE = "pagefind"


class WebAnchors(Anchors):
    """A generic chapter's blocks and items at the references comments name them by, each on its own element."""

    on_element = True

    def block(self, chapter: str, block_id: str) -> str:
        return f"{chapter}/{block_id}"

    def item(self, chapter: str, block_id: str, item_id: str) -> str:
        return f"{chapter}/{block_id}/{item_id}"


@dataclass
class WebOutline(Outline):
    """The print outline, but every item's anchor is the reference a comment gives it: ``kind/id``, and
    ``WebAnchors``' names in a generic chapter."""

    naming: Anchors = field(default_factory=WebAnchors)

    def item(self, section: str, item_id: str) -> str:
        key = (section, item_id)
        if key in self.items:
            return ""
        anchor = f"{section}/{item_id}"
        while anchor in self._anchors:  # the same id in two lists of one chapter
            anchor += "-"
        self._claim(anchor)
        self.items[key] = anchor
        return anchor


@dataclass(frozen=True)
class Download:
    """A PDF published beside the pages, as the release manifest describes it."""

    file: str
    size: int
    sha256: str
    pages: int
    base_edition: int | None = None

    @property
    def size_label(self) -> str:
        return f"{self.size / 1_048_576:.1f} MB" if self.size >= 1_048_576 else f"{self.size / 1024:.0f} KB"


@dataclass
class EditionPage:
    """One published edition on the site, with everything its pages show."""

    ref: EditionRef
    edition: Edition
    chapters: list[RenderedSection]
    outline: WebOutline
    pdf: Download | None = None
    redlines: list[Download] = field(default_factory=list)
    earlier: list[EditionRef] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    """Images of generic chapters, relative to the edition folder (the loader keeps them inside it)."""
    source: Path | None = None
    """The edition's content folder."""

    @property
    def folder(self) -> str:
        """Site-relative folder of the edition's pages."""
        return f"{self.ref.report}/stage-{self.ref.stage}/edition-{self.ref.edition}"

    @property
    def key(self) -> str:
        return f"{self.ref.report}/{self.ref.stage}/{self.ref.edition}"

    @property
    def words(self) -> str:
        return f"ویرایش {ordinal_in_words(self.ref.edition)}"

    def references(self) -> Iterator[tuple[str, Item]]:
        """(reference, item) of every item the edition's page shows at an anchor equal to the reference."""
        for kind, section in self.edition.sections.items():
            for reference, item in item_references(kind, section):
                if self.outline.claimed(reference):
                    yield reference, item

    def find_item(self, reference: str) -> Item | None:
        """The item ``reference`` names, when the edition's page shows it (at an anchor equal to it)."""
        item = find_reference(self.edition.sections, reference)
        return item if item is not None and self.outline.claimed(reference) else None

    def has_reference(self, reference: str) -> bool:
        """A section kind, or an item reference, this edition has."""
        return reference in self.edition.sections or self.find_item(reference) is not None

    def place(self, reference: str) -> str:
        """Where an item stands, for a reader: its chapter's title, and a generic item's block (a SWOT entry
        or a table row means little alone)."""
        kind, _, path = reference.partition("/")
        block_id, _, item_id = path.partition("/")
        block = self.find_item(f"{kind}/{block_id}") if item_id else None
        title = self.edition.sections[kind].title
        return f"{title} — {item_name(block)}" if block is not None else title

    def label(self, reference: str) -> str:
        return reference_label(self.edition, reference)


@dataclass
class Site:
    pages: list[EditionPage]
    environment: jinja2.Environment

    def page(self, report: str, stage: int, edition: int) -> EditionPage | None:
        return next((p for p in self.pages if p.ref == EditionRef(report, stage, edition)), None)


def web_environment(project: Project) -> jinja2.Environment:
    """The render environment (filters, autoescape) with the web templates searched first."""
    environment = make_environment(project.template_dirs)
    environment.loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(WEB_TEMPLATES)), environment.loader])  # type: ignore[list-item]
    environment.globals.update(fold_table=FOLD)
    install_number_filters(environment, theme_view(project).compound_numbers)  # as the PDF
    return environment


def _render(environment: jinja2.Environment, name: str, **context: object) -> str:
    try:
        return environment.get_template(name).render(**context)
    except jinja2.TemplateError as error:
        raise TemplateError(f"template {name}: {error}") from error


def _render_chapters(environment: jinja2.Environment, edition: Edition, edition_dir: Path,
                     fonts: Path) -> tuple[list[RenderedSection], WebOutline, list[str]]:  # fmt: skip
    """Each chapter's HTML (as the PDF renders it), the outline, and the images (paths inside the edition
    folder) they show."""
    outline = WebOutline()
    images: list[str] = []

    def image_url(src: str) -> str:  # copied beside the page (see write_site), not a file:// URI
        images.append(src)
        return src

    chapters = render_sections(environment, edition, outline, edition_dir=edition_dir, fonts=fonts,
                               image_url=image_url)  # fmt: skip
    return chapters, outline, images


def _download(entry: dict[str, Any]) -> Download:
    return Download(entry["file"], int(entry["size"]), entry["sha256"], int(entry["pages"]), entry.get("base_edition"))


def load_site(project: Project, release: Path | None = None) -> Site:
    """Every published edition, validated and rendered, with its PDFs from ``release`` (a release folder)."""
    environment = web_environment(project)
    manifest = read_manifest(release) if release else {}
    pages: list[EditionPage] = []
    stages: dict[tuple[str, int], list[EditionRef]] = {}
    for ref in find_editions(project):
        stage = load_stage(project, ref.report, ref.stage)
        entry = next(e for e in stage.editions if e.number == ref.edition)
        if entry.status is not EditionStatus.published:
            continue
        edition = load_edition(project, ref)
        edition_dir = project.edition_dir(ref.report, ref.stage, ref.edition)
        # An environment of its own: generic chapters bind helpers to the edition they render.
        chapters, outline, images = _render_chapters(web_environment(project), edition, edition_dir,
                                                     project.chart_fonts)
        page = EditionPage(ref, edition, chapters, outline, earlier=list(stages.get((ref.report, ref.stage), [])),
                           images=images, source=edition_dir)  # fmt: skip
        for artifact in manifest.values():
            if (artifact["report"], artifact["stage"], artifact["edition"]) != (ref.report, ref.stage, ref.edition):
                continue
            if artifact["kind"] == "edition":
                page.pdf = _download(artifact)
            elif artifact.get("base_edition") in {e.edition for e in page.earlier}:
                page.redlines.append(_download(artifact))
        stages.setdefault((ref.report, ref.stage), []).append(ref)
        pages.append(page)
    return Site(pages, environment)


def _root(depth: int) -> str:
    return "../" * depth


def render_announcement(site: Site, page: EditionPage, absolute: bool = False, **consultation: object) -> str:
    """The announcement page of an edition; the server passes its comment form and comments (and
    wants absolute links: it also answers a form's POST with this page)."""
    later = [p.ref for p in site.pages if p.ref.report == page.ref.report and p.ref.stage == page.ref.stage
             and p.ref.edition > page.ref.edition]  # fmt: skip
    here, stage_url = f"/{page.folder}/", f"/{page.ref.report}/stage-{page.ref.stage}/"
    return _render(site.environment, "announcement.html.j2", page=page, later=later, consultation=consultation or None,
                   root="/" if absolute else _root(3), here=here if absolute else "",
                   stage_url=stage_url if absolute else "../")  # fmt: skip


def render_edition_text(site: Site, page: EditionPage, consultation: bool = False) -> str:
    return _render(site.environment, "edition.html.j2", page=page, root=_root(3), consultation=consultation)


def render_index(site: Site) -> str:
    latest: dict[tuple[str, int], EditionPage] = {}
    for page in site.pages:
        latest[(page.ref.report, page.ref.stage)] = page
    return _render(site.environment, "index.html.j2", stages=list(latest.values()), root="")


def _write(path: Path, text: str | bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror}") from None


def _copy_pdf(release: Path, download: Download, target: Path) -> None:
    data = (release / download.file).read_bytes() if (release / download.file).is_file() else b""
    if hashlib.sha256(data).hexdigest() != download.sha256:
        raise OutputError(f"{release / download.file} does not match the SHA-256 in {release / 'manifest.json'}")
    _write(target / download.file, data)


def _copy_assets(project: Project, site: Site, output: Path) -> None:
    assets = output / ASSETS
    for name in ("site.css",):
        _write(assets / name, (WEB_TEMPLATES / ASSETS / name).read_bytes())
    _write(assets / "site.js", _render(site.environment, f"{ASSETS}/site.js.j2"))
    faces = sorted(project.chart_fonts.rglob("Vazirmatn-*.ttf"))  # the project's, else the default theme's
    for font in faces + sorted(faces[0].parent.glob("*.txt") if faces else []):
        _write(assets / "fonts" / font.name, font.read_bytes())


def prose(value: object, nested: bool = True) -> Iterator[str]:
    """Every text a reader reads inside ``value``, in order (ids and enums left out); without the items
    nested in it unless ``nested``."""
    if isinstance(value, Enum):  # codes such as 'domestic': the templates show their labels
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            element = getattr(value, name)
            if name not in ("id", "concerns", "status", "date") and (nested or not _holds_items(element)):
                yield from prose(element, nested)
        for element in (value.model_extra or {}).values():  # a table row's cells, a node's fields
            yield from prose(element, nested)
    elif isinstance(value, (tuple, list)):
        for element in value:
            yield from prose(element, nested)


def _holds_items(value: object) -> bool:
    if isinstance(value, dict):
        return any(_holds_items(element) for element in value.values())
    if isinstance(value, (tuple, list)):
        return any(isinstance(element, Item) or _holds_items(element) for element in value)
    return isinstance(value, Item)


def search_records(page: EditionPage) -> Iterator[dict[str, Any]]:
    """One search record per chapter (title and intro) and per item, pointing at its anchor. A generic
    block's record holds its own text, its items have theirs (a long table is not one record)."""
    text_url = f"{page.folder}/text.html"
    for kind, section in page.edition.sections.items():
        opening = " ".join([section.title, section.intro or ""])
        yield _record(f"{text_url}#{kind}", opening, section.title, section.title, page)
    for reference, item in page.references():
        kind = reference.partition("/")[0]
        section = page.edition.sections[kind]
        text = " ".join(prose(item, nested=not isinstance(section, GenericChapter)))
        yield _record(f"{text_url}#{reference}", text, item_name(item), section.title, page)


def _record(url: str, text: str, title: str, chapter: str, page: EditionPage) -> dict[str, Any]:
    snippet = " ".join(text.split())
    snippet = snippet if len(snippet) <= 160 else snippet[:159] + "…"
    return {"content": index_text(f"{title} {text}"), "edition": page.key,
            "meta": {"title": title, "chapter": chapter, "snippet": snippet, "target": url}}


def _record_html(record: dict[str, Any]) -> str:
    """One record as the small page Pagefind indexes: folded text, the original words as metadata."""
    def attribute(text: str) -> str:
        return str(escape(text))

    meta = "".join(f'<span data-pagefind-meta="{key}[data-v]" data-v="{attribute(value)}"></span>'
                   for key, value in record["meta"].items())  # fmt: skip
    return (f'<!DOCTYPE html><html lang="fa"><head><meta charset="utf-8"><title>-</title></head><body>'
            f'<main data-pagefind-body>{meta}'
            f'<span data-pagefind-filter="edition[data-v]" data-v="{attribute(record["edition"])}"></span>'
            f"<p>{escape(record['content'])}</p></main></body></html>")


def write_index(records: list[dict[str, Any]], output: Path) -> None:
    """Pagefind's index of ``records`` in ``output``: each record a small page, indexed by its binary in one run."""
    from pagefind.service import get_executable

    executable = get_executable()
    if executable is None:
        raise OutputError("the Pagefind binary is missing: install reportgen's 'web' extra")
    with tempfile.TemporaryDirectory(prefix="reportgen-search-") as scratch:
        for number, record in enumerate(records):
            (Path(scratch) / f"{number:05d}.html").write_text(_record_html(record), encoding="utf-8")
        shutil.rmtree(output, ignore_errors=True)
        done = subprocess.run([str(executable), "--site", scratch, "--output-path", str(output.resolve()),
                               "--force-language", "fa", "--silent"], capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            raise OutputError(f"Pagefind could not index the site: {(done.stderr or done.stdout).strip()}")


def write_site(project: Project, site: Site, output: Path, release: Path | None, consultation: bool = False) -> None:
    """Write the whole site into ``output`` (its old pages, assets and index are replaced)."""
    for stale in (ASSETS, SEARCH_BUNDLE, *(p.ref.report for p in site.pages)):
        shutil.rmtree(output / stale, ignore_errors=True)
    _copy_assets(project, site, output)
    _write(output / "index.html", render_index(site))
    records: list[dict[str, Any]] = []
    for page in site.pages:
        folder = output / page.folder
        if not consultation:  # the server renders announcements itself, with the comment form
            _write(folder / "index.html", render_announcement(site, page))
        _write(folder / "text.html", render_edition_text(site, page, consultation))
        for image in page.images:
            assert page.source is not None
            source = (page.source / image).resolve()
            if not source.is_relative_to(page.source.resolve()) or not source.is_file():
                raise OutputError(f"{page.source / image}: not an image inside the edition folder")
            _write(folder / image, source.read_bytes())
        for download in [d for d in (page.pdf, *page.redlines) if d is not None]:
            assert release is not None
            _copy_pdf(release, download, folder)
        records.extend(search_records(page))
    write_index(records, output / SEARCH_BUNDLE)
    _write(output / "site.json", json.dumps({"editions": [p.key for p in site.pages]}, ensure_ascii=False) + "\n")


def build_site(project: Project, output: Path, release: Path | None = None, consultation: bool = False) -> Site:
    """Load every published edition and write the site; return what was written."""
    site = load_site(project, release)
    write_site(project, site, output, release, consultation)
    return site
