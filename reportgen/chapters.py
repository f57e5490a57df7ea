"""Chapter-parallel typesetting with a per-part cache: the typesetting layer's fast path.

Every body chapter starts on a new page, so its layout does not depend on the
page it starts on. The document is split into parts — the front (cover, title
page back, contents, lists, front-matter chapters) and one part per body
chapter — and:

1. each chapter is laid out in a worker process, with its footers left blank,
   and cached on disk keyed by everything that affects it (its HTML, the
   stylesheets, fonts, tool versions);
2. once page counts are known, the front part is laid out with the contents'
   page numbers filled in, and a *stamp* document draws the running footer
   (page number, edition) of every body page;
3. the parts are merged with pikepdf (qpdf): stamps overlaid, outlines joined, links
   from the front part to chapters re-made, metadata and language copied, and
   each font face embedded once (one subset holding the glyphs every part
   uses, since WeasyPrint keeps glyph ids when it subsets).

The merged PDF has the same text, outline and links as a single pass and stays
byte-reproducible. The rest of the pipeline only calls ``typeset_chapters``.
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import re
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pikepdf
from fontTools import subset as font_subset
from fontTools.ttLib import TTFont

from reportgen import __version__
from reportgen.errors import TypesetError
from reportgen.persian import to_persian_digits
from reportgen.publish import write_atomic
from reportgen.typeset_types import RenderedPart, TypesetOptions, TypesetResult, engine_versions

_CHAPTER_START = re.compile(r'(?=<section class="chapter )')
_MAIN = re.compile(r'(<div class="main-matter">)(.*)(</div>\s*</body>)', re.S)
_EDITION_LINE = re.compile(r'<p class="edition-line">.*?</p>', re.S)

# Body parts are laid out without footers: the stamp document draws them.
_BLANK_FOOTERS = "@page { @bottom-center { content: none; } @bottom-left { content: none; } }"
_STAMP_CSS = """
@page { @top-center { content: none; border: none; } }
.edition-line { visibility: hidden; height: 0; margin: 0; padding: 0; }
"""
# How each kind of reference in the front part prints the page it points to.
_REFERENCE_STYLES = {".toc a": 'leader(".") " " ', "a.page-ref": ""}


@dataclass(frozen=True)
class Split:
    front: str
    chapters: tuple[str, ...]
    edition_line: str


def split_document(html: str) -> Split:
    """The front part (main matter emptied) and one standalone document per body chapter."""
    main = _MAIN.search(html)
    if not main:
        raise TypesetError("document has no main matter to split into chapters")
    head = html[: html.index("<body>") + len("<body>")]
    chapters = tuple(
        f'{head}\n<div class="main-matter">{part.strip()}</div>\n</body>\n</html>\n'
        for part in _CHAPTER_START.split(main.group(2))
        if part.strip()
    )
    edition = _EDITION_LINE.search(html)
    return Split(html[: main.start(2)] + html[main.end(2) :], chapters, edition.group() if edition else "")


# ----------------------------------------------------------------- rendering parts


def _render(html: str, settings: TypesetOptions, extra_css: str, foreign: frozenset[str]) -> RenderedPart:
    from reportgen.typeset import render_part  # WeasyPrint loads only where a part is laid out

    return render_part(html, extra_css=extra_css, foreign_anchors=foreign, **settings)


class PartCache:
    """Rendered parts on disk, keyed by a hash of everything that shapes them."""

    def __init__(self, folder: Path | None, settings: TypesetOptions) -> None:
        self.folder = folder
        digest = hashlib.sha256()
        for path in (*settings["stylesheets"], *sorted(p for root in settings["allowed_roots"]
                                                       for p in root.rglob("*.tt[fc]"))):  # fmt: skip
            digest.update(path.name.encode() + path.read_bytes())
        digest.update(json.dumps([__version__, engine_versions(), settings["source_date_epoch"]]).encode())

        self.salt = digest.hexdigest()

    def key(self, html: str, extra_css: str, foreign: frozenset[str]) -> str:
        payload = json.dumps([self.salt, html, extra_css, sorted(foreign)]).encode()
        return hashlib.sha256(payload).hexdigest()

    def get(self, key: str) -> RenderedPart | None:
        if self.folder is None:
            return None
        try:
            meta = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            pdf = (self.folder / f"{key}.pdf").read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(pdf).hexdigest() != meta.get("sha256"):
            return None
        return RenderedPart(
            pdf,
            tuple((width, height) for width, height in meta["page_sizes"]),
            {name: (page, x, y) for name, (page, x, y) in meta["anchors"].items()},
            tuple((i, target, (a, b, c, d)) for i, target, (a, b, c, d) in meta["links"]),
        )

    def put(self, key: str, part: RenderedPart) -> None:
        if self.folder is None:
            return
        meta = asdict(part)
        meta.pop("pdf")
        meta["sha256"] = hashlib.sha256(part.pdf).hexdigest()
        write_atomic(self.folder / f"{key}.pdf", part.pdf)
        write_atomic(self.folder / f"{key}.json", json.dumps(meta).encode())


Job = tuple[str, str, frozenset[str]]
"""(HTML, extra CSS, anchors that live in other parts)."""


def _render_all(jobs: list[Job], settings: TypesetOptions, cache: PartCache, pool: _Pool) -> list[RenderedPart]:
    """Render jobs, from the cache where possible, the largest first so the workers finish together."""
    keys = [cache.key(*job) for job in jobs]
    results: list[RenderedPart | None] = [cache.get(key) for key in keys]
    missing = sorted((i for i, result in enumerate(results) if result is None), key=lambda i: -len(jobs[i][0]))
    for index, part in zip(missing, pool.map([jobs[i] for i in missing], settings), strict=True):
        results[index] = part
        cache.put(keys[index], part)
    return [part for part in results if part is not None]


class _Pool:
    """Worker processes, started only if more than one part needs laying out, and reused."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.executor: ProcessPoolExecutor | None = None

    def map(self, jobs: list[Job], settings: TypesetOptions) -> list[RenderedPart]:
        if len(jobs) < 2 or self.workers < 2:
            return [_render(html, settings, css, foreign) for html, css, foreign in jobs]
        if self.executor is None:
            # A clean interpreter per worker: no inherited Pango or fontconfig state.
            self.executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        futures = [self.executor.submit(_render, html, settings, css, foreign) for html, css, foreign in jobs]
        return [future.result() for future in futures]

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)


# ----------------------------------------------------------------- the front and the stamps


def _reference_css(targets: dict[str, str]) -> str:
    """Rules that print each foreign anchor's page number where the front part refers to it."""
    rules = []
    for anchor, label in sorted(targets.items()):
        for selector, prefix in _REFERENCE_STYLES.items():
            rules.append(f'{selector}[href="#{anchor}"]::after {{ content: {prefix}"{label}"; }}')
    return "\n".join(rules)


def _stamp_html(split: Split, sizes: Sequence[tuple[float, float]]) -> str:
    pages = []
    for index, (width, height) in enumerate(sizes):
        name = "landscape" if width > height else "body"
        brk = "" if index == 0 else " break-before: page;"
        inner = split.edition_line if index == 0 else ""
        pages.append(f'<div style="page: {name};{brk}">{inner}</div>')
    return ('<!DOCTYPE html><html lang="fa-IR" dir="rtl"><head><meta charset="utf-8"></head><body>'
            + "".join(pages) + "</body></html>")  # fmt: skip


# ----------------------------------------------------------------- merging


def _widths(cid_font: Any) -> dict[int, Any]:
    """Glyph id → width, read from a CIDFont's /W array."""
    widths: dict[int, Any] = {}
    entries = list(cid_font.get("/W", []))
    index = 0
    while index < len(entries):
        first = int(entries[index])
        following: Any = entries[index + 1] if index + 1 < len(entries) else None
        if isinstance(following, pikepdf.Array):
            widths.update({first + offset: float(width) for offset, width in enumerate(following)})
            index += 2
        else:
            widths.update({glyph: float(entries[index + 2]) for glyph in range(first, int(following) + 1)})
            index += 3
    return widths


def _unicode_map(font: Any) -> dict[int, str]:
    """Glyph id → hex code points, read from a font's /ToUnicode CMap."""
    cmap = font.get("/ToUnicode")
    data = cmap.read_bytes().decode("latin-1") if cmap is not None else ""
    return {int(glyph, 16): text for glyph, text in re.findall(r"<([0-9a-fA-F]{4})> <([0-9a-fA-F]+)>", data)}


def _to_unicode_cmap(mapping: dict[int, str]) -> bytes:
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <ffff>", "endcodespacerange"]  # fmt: skip
    glyphs = sorted(mapping)
    for start in range(0, len(glyphs), 100):
        batch = glyphs[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar")
        lines.extend(f"<{glyph:04x}> <{mapping[glyph]}>" for glyph in batch)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode()


def _width_array(widths: dict[int, float]) -> pikepdf.Array:
    """A compact /W array: runs of consecutive glyph ids."""
    array = pikepdf.Array()
    glyphs = sorted(widths)
    index = 0
    while index < len(glyphs):
        run = [glyphs[index]]
        while index + 1 < len(glyphs) and glyphs[index + 1] == run[-1] + 1:
            index += 1
            run.append(glyphs[index])
        array.append(run[0])
        array.append(pikepdf.Array([widths[glyph] for glyph in run]))
        index += 1
    return array


def _postscript_name(data: bytes) -> str:
    return str(TTFont(io.BytesIO(data), lazy=True)["name"].getDebugName(6))


def _subset(original: Path, glyphs: set[int]) -> bytes:
    font = TTFont(original, recalcTimestamp=False)  # no build time in the bytes
    options = font_subset.Options(retain_gids=True, notdef_outline=True, hinting=False, layout_features=[],
                                  name_IDs=[1, 2, 3, 4, 5, 6],
                                  drop_tables=[*font_subset.Options().drop_tables, "GSUB", "GPOS", "GDEF"])  # fmt: skip
    subsetter = font_subset.Subsetter(options)
    subsetter.populate(gids=sorted(glyphs | {0}))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _font_dictionaries(pdf: pikepdf.Pdf) -> list[Any]:
    """Every /Font resources dictionary of the pages and of the forms they draw (footers), in page order."""
    found: list[Any] = []
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        resources: Any = page.obj.get("/Resources", pikepdf.Dictionary())
        holders = [resources]
        forms: Any = resources.get("/XObject", pikepdf.Dictionary())
        holders.extend(forms[name].get("/Resources", pikepdf.Dictionary()) for name in sorted(forms.keys()))
        for holder in holders:
            fonts: Any = holder.get("/Font")
            key = fonts.objgen if fonts is not None and fonts.is_indirect else (0, id(fonts))
            if fonts is not None and key not in seen:
                seen.add(key)
                found.append(fonts)
    return found


def _font_uses(pdf: pikepdf.Pdf, originals: dict[str, Path]) -> dict[str, list[tuple[Any, str, Any]]]:
    """Vendored face → (font resources, resource name, Type0 font) for every use, in page order."""
    uses: dict[str, list[tuple[Any, str, Any]]] = {}
    names: dict[tuple[int, int], str] = {}
    for fonts in _font_dictionaries(pdf):
        for resource_name in list(fonts.keys()):
            font = fonts[resource_name]
            descriptor = font["/DescendantFonts"][0]["/FontDescriptor"]
            program = descriptor.get("/FontFile2")
            if program is None:
                continue
            key = program.objgen
            if key not in names:
                names[key] = _postscript_name(program.read_bytes())
            if names[key] in originals:
                uses.setdefault(names[key], []).append((fonts, resource_name, font))
    return uses


def _share_fonts(pdf: pikepdf.Pdf, originals: dict[str, Path]) -> None:
    """One font dictionary and one embedded subset per vendored face, for every page.

    WeasyPrint subsets with glyph ids kept, so every part's glyph ids index the
    original font: one subset holding all of them, with the union of the parts'
    widths and ToUnicode maps (first use wins, as in a single pass), can stand
    behind every page.
    """
    for face, uses in sorted(_font_uses(pdf, originals).items()):
        widths: dict[int, float] = {}
        unicode: dict[int, str] = {}
        seen: set[tuple[int, int]] = set()
        for _fonts, _name, font in uses:
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            for glyph, width in _widths(font["/DescendantFonts"][0]).items():
                widths.setdefault(glyph, width)
            for glyph, text in _unicode_map(font).items():
                unicode.setdefault(glyph, text)
        data = _subset(originals[face], set(widths))
        tag = "".join(chr(65 + int(c, 16)) for c in hashlib.sha256(data).hexdigest()[:6])
        first = uses[0][2]
        family = str(first["/BaseFont"]).split("+")[-1]
        descriptor = pikepdf.Dictionary(first["/DescendantFonts"][0]["/FontDescriptor"])
        descriptor.FontFile2 = pikepdf.Stream(pdf, zlib.compress(data, 9))
        descriptor.FontFile2.Filter = pikepdf.Name.FlateDecode
        descriptor.FontName = pikepdf.Name(f"/{tag}+{family}")
        cid_font = pikepdf.Dictionary(first["/DescendantFonts"][0])
        cid_font.FontDescriptor = pdf.make_indirect(descriptor)
        cid_font.W = _width_array(widths)
        cid_font.BaseFont = pikepdf.Name(f"/{tag}+{family}")
        shared = pikepdf.Dictionary(first)
        shared.BaseFont = pikepdf.Name(f"/{tag}+{family}")
        shared.DescendantFonts = pikepdf.Array([pdf.make_indirect(cid_font)])
        shared.ToUnicode = pikepdf.Stream(pdf, zlib.compress(_to_unicode_cmap(unicode), 9))
        shared.ToUnicode.Filter = pikepdf.Name.FlateDecode
        reference = pdf.make_indirect(shared)
        for fonts, resource_name, _font in uses:
            fonts[resource_name] = reference


def vendored_fonts(roots: Sequence[Path]) -> dict[str, Path]:
    """PostScript name → file, for every TrueType font under ``roots``."""
    return {_postscript_name(path.read_bytes()): path
            for root in roots for path in sorted(root.rglob("*.ttf"))}  # fmt: skip


def _copy_outline(source: list[Any], part: pikepdf.Pdf, offset: int) -> list[pikepdf.OutlineItem]:
    """A part's outline items, pointing at the part's pages in the merged document."""
    page_numbers: dict[Any, int] = {page.objgen: index for index, page in enumerate(part.pages)}
    items = []
    for item in source:
        destination = item.destination
        target, left, top = 0, None, None
        if isinstance(destination, pikepdf.Array) and len(destination) >= 4:
            target = page_numbers.get(destination[0].objgen, 0)
            left, top = float(destination[2]), float(destination[3])
        copy = pikepdf.OutlineItem(item.title, target + offset, "XYZ", left=left, top=top, zoom=0)
        copy.children.extend(_copy_outline(list(item.children), part, offset))
        items.append(copy)
    return items


def _overlay(pdf: pikepdf.Pdf, page: pikepdf.Page, stamp_pdf: pikepdf.Pdf, stamp: pikepdf.Page, number: int) -> None:
    """Draw ``stamp`` over ``page`` (same size) as a form XObject named after the page.

    pikepdf's own ``add_overlay`` names the XObject at random, which would make
    the bytes differ from build to build; and WeasyPrint shares one resources
    dictionary between a part's pages, so each page's footer needs its own name.
    """
    name = f"/ReportgenFooter{number}"
    # Indirect first: copy_foreign would otherwise reuse one copy for every direct form.
    form = pdf.copy_foreign(stamp_pdf.make_indirect(stamp.as_form_xobject()))
    if "/Resources" not in page.obj:
        page.obj.Resources = pikepdf.Dictionary()
    resources: Any = page.obj.Resources
    if "/XObject" not in resources:
        resources.XObject = pikepdf.Dictionary()
    resources.XObject[name] = form
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, f"\nQ\nq {name} Do Q\n".encode()), prepend=False)


def _merge(front: RenderedPart, chapters: Sequence[RenderedPart], stamps: RenderedPart,
           originals: dict[str, Path]) -> bytes:  # fmt: skip
    merged = pikepdf.Pdf.open(io.BytesIO(front.pdf))
    parts = [pikepdf.Pdf.open(io.BytesIO(chapter.pdf)) for chapter in chapters]
    outline_items: list[pikepdf.OutlineItem] = []
    starts: list[int] = []
    for part in parts:
        starts.append(len(merged.pages))
        with part.open_outline() as outline:
            outline_items.extend(_copy_outline(list(outline.root), part, starts[-1]))
        merged.pages.extend(part.pages)
    stamp_pdf = pikepdf.Pdf.open(io.BytesIO(stamps.pdf))
    for offset, stamp in enumerate(stamp_pdf.pages):
        _overlay(merged, merged.pages[len(front.page_sizes) + offset], stamp_pdf, stamp, offset)
    with merged.open_outline() as outline:
        outline.root.extend(outline_items)
    # Links from the contents (and other front references) to the chapters.
    anchors = {name: (starts[i] + page, x, y) for i, chapter in enumerate(chapters)
               for name, (page, x, y) in chapter.anchors.items()}  # fmt: skip
    for page_index, target, rectangle in front.links:
        if target in anchors:
            destination, x, y = anchors[target]
            link = pikepdf.Dictionary(
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=pikepdf.Array(list(rectangle)),
                Border=pikepdf.Array([0, 0, 0]),
                Dest=pikepdf.Array([merged.pages[destination].obj, pikepdf.Name.XYZ, x, y, 0]),
            )  # fmt: skip
            annotated = merged.pages[page_index].obj
            if "/Annots" not in annotated:
                annotated.Annots = pikepdf.Array()
            annotated.Annots.append(merged.make_indirect(link))
    _share_fonts(merged, originals)
    packed = io.BytesIO()
    # Compressed object streams keep the merged file as small as a single pass;
    # qpdf derives the /ID from the content, so the bytes are reproducible.
    merged.save(packed, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True,
                deterministic_id=True, recompress_flate=False)  # fmt: skip
    for part in (*parts, stamp_pdf, merged):
        part.close()
    return packed.getvalue()


# ----------------------------------------------------------------- the entry point


def typeset_chapters(html: str, settings: TypesetOptions, *, jobs: int, cache_dir: Path | None) -> TypesetResult:
    """Typeset a document chapter by chapter in ``jobs`` processes, reusing cached parts."""
    cache = PartCache(cache_dir, settings)
    split = split_document(html)
    pool = _Pool(jobs)
    try:
        return _typeset(split, settings, cache, pool, vendored_fonts(settings["allowed_roots"]))
    finally:
        pool.close()


def _typeset(split: Split, settings: TypesetOptions, cache: PartCache, pool: _Pool,
             originals: dict[str, Path]) -> TypesetResult:  # fmt: skip
    chapters = _render_all([(c, _BLANK_FOOTERS, frozenset()) for c in split.chapters], settings, cache, pool)
    # Body page numbers, and where every chapter anchor landed.
    labels: dict[str, str] = {}
    sizes: list[tuple[float, float]] = []
    for chapter in chapters:
        for name, (page, _x, _y) in chapter.anchors.items():
            labels.setdefault(name, to_persian_digits(len(sizes) + page + 1))
        sizes.extend(chapter.page_sizes)
    foreign = frozenset(labels)
    front, stamps = _render_all(
        [(split.front, _reference_css(labels), foreign), (_stamp_html(split, sizes), _STAMP_CSS, frozenset())],
        settings, cache, pool,
    )  # fmt: skip
    if len(stamps.page_sizes) != len(sizes):
        raise TypesetError(f"stamp pages ({len(stamps.page_sizes)}) do not match body pages ({len(sizes)})")
    pdf = _merge(front, chapters, stamps, originals)
    return TypesetResult(pdf, len(front.page_sizes) + len(sizes))
