"""Merging typeset parts into one PDF with pikepdf (qpdf): the chapter path's last step.

- ``merge``: the front pages, then the chapters with their page margins drawn
  from the front document's stand-in pages, outlines and named destinations
  joined, and each font face embedded once (one subset holding the glyphs
  every part uses, since WeasyPrint keeps glyph ids when it subsets).
- ``splice``: a part laid out incrementally (see ``resync``): its new first
  pages, then the previous layout's later pages.

Output is byte-reproducible: names are derived, not random, and qpdf derives
the /ID from the content.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pikepdf
from fontTools import subset as font_subset
from fontTools.ttLib import TTFont

from reportgen.typeset.carriers import carriers_in_map, cid_to_gid_map
from reportgen.typeset.results import RenderedPart, page_label_ranges

Subsetter = Callable[[Path, set[int]], bytes]
"""Makes a font subset holding the given glyph ids (``subset_font``, or a memo of it)."""


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


def unicode_map(font: Any) -> dict[int, str]:
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


def postscript_name(data: bytes) -> str:
    return str(TTFont(io.BytesIO(data), lazy=True)["name"].getDebugName(6))


# Text is drawn by glyph id, already shaped: an embedded subset needs no shaping tables.
_LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF")


def subset_font(original: Path, glyphs: set[int]) -> bytes:
    """``original`` cut down to ``glyphs``, glyph ids kept, without a build time in the bytes."""
    font = TTFont(original, recalcTimestamp=False)  # no build time in the bytes
    for tag in _LAYOUT_TABLES:  # dropped anyway; removed first, fontTools does not parse them (half its time)
        if tag in font:
            del font[tag]
    options = font_subset.Options(retain_gids=True, notdef_outline=True, hinting=False, layout_features=[],
                                  name_IDs=[1, 2, 3, 4, 5, 6],
                                  drop_tables=[*font_subset.Options().drop_tables, *_LAYOUT_TABLES])  # fmt: skip
    subsetter = font_subset.Subsetter(options)
    subsetter.populate(gids=sorted(glyphs | {0}))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def font_dictionaries(pdf: pikepdf.Pdf) -> list[Any]:
    """Every /Font resources dictionary of the pages and of the forms they draw (margins), in page order."""
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


def _font_uses(pdf: pikepdf.Pdf, originals: dict[str, Path]) -> dict[tuple[str, str], list[tuple[Any, str, Any]]]:
    """(Vendored face, PDF font name) → (font resources, resource name, Type0 font) for every use, in page order.

    One file may stand behind two PDF fonts of different names (the Latin runs'
    «Vazirmatn Latin», see styles/fonts.css): they keep apart, each with its
    own text map.
    """
    uses: dict[tuple[str, str], list[tuple[Any, str, Any]]] = {}
    names: dict[tuple[int, int], str] = {}
    for fonts in font_dictionaries(pdf):
        for resource_name in list(fonts.keys()):
            font = fonts[resource_name]
            descriptor = font["/DescendantFonts"][0]["/FontDescriptor"]
            program = descriptor.get("/FontFile2")
            if program is None:
                continue
            key = program.objgen
            if key not in names:
                names[key] = postscript_name(program.read_bytes())
            if names[key] in originals:
                family = str(font["/BaseFont"]).split("+")[-1]
                uses.setdefault((names[key], family), []).append((fonts, resource_name, font))
    return uses


def _share_fonts(pdf: pikepdf.Pdf, originals: dict[str, Path], subset: Subsetter) -> None:
    """One font dictionary and one embedded subset per vendored face, for every page.

    WeasyPrint subsets with glyph ids kept, so every part's glyph ids index the
    original font: one subset holding all of them, with the union of the parts'
    widths and ToUnicode maps (first use wins, as in a single pass), can stand
    behind every page.
    """
    for (face, _family), uses in sorted(_font_uses(pdf, originals).items()):
        widths: dict[int, float] = {}
        unicode: dict[int, str] = {}
        carriers: dict[int, int] = {}
        seen: set[tuple[int, int]] = set()
        for _fonts, _name, font in uses:
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            for glyph, width in _widths(font["/DescendantFonts"][0]).items():
                widths.setdefault(glyph, width)
            for glyph, text in unicode_map(font).items():
                unicode.setdefault(glyph, text)
            cid_map = font["/DescendantFonts"][0].get("/CIDToGIDMap")
            if isinstance(cid_map, pikepdf.Stream):  # carriers (see typeset.carriers): the same codes in every part
                carriers.update(carriers_in_map(cid_map.read_bytes()))
        data = subset(originals[face], set(widths) - set(carriers))
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
        if carriers:
            glyph_count = TTFont(io.BytesIO(data), lazy=True)["maxp"].numGlyphs
            cid_font.CIDToGIDMap = pikepdf.Stream(pdf, zlib.compress(cid_to_gid_map(glyph_count, carriers), 9))
            cid_font.CIDToGIDMap.Filter = pikepdf.Name.FlateDecode
        shared = pikepdf.Dictionary(first)
        shared.BaseFont = pikepdf.Name(f"/{tag}+{family}")
        shared.DescendantFonts = pikepdf.Array([pdf.make_indirect(cid_font)])
        shared.ToUnicode = pikepdf.Stream(pdf, zlib.compress(_to_unicode_cmap(unicode), 9))
        shared.ToUnicode.Filter = pikepdf.Name.FlateDecode
        reference = pdf.make_indirect(shared)
        for fonts, resource_name, _font in uses:
            fonts[resource_name] = reference


def vendored_fonts(roots: Sequence[Path]) -> dict[str, Path]:
    """PostScript name → file, for every TrueType or OpenType font under ``roots``."""
    return {postscript_name(path.read_bytes()): path for root in roots for path in sorted(root.rglob("*"))
            if path.suffix.lower() in (".ttf", ".otf") and path.is_file()}  # fmt: skip


OutlineEntry = tuple[int, str, int, float | None, float | None]
"""One bookmark: (depth, title, page index, left, top)."""


def _flat_outline(pdf: pikepdf.Pdf) -> list[OutlineEntry]:
    """Every bookmark of ``pdf`` in document order, with its depth in the tree."""
    page_numbers: dict[Any, int] = {page.objgen: index for index, page in enumerate(pdf.pages)}
    entries: list[OutlineEntry] = []

    def visit(items: list[Any], depth: int) -> None:
        for item in items:
            destination = item.destination
            target, left, top = 0, None, None
            if isinstance(destination, pikepdf.Array) and len(destination) >= 4:
                target = page_numbers.get(destination[0].objgen, 0)
                left, top = float(destination[2]), float(destination[3])
            entries.append((depth, str(item.title), target, left, top))
            visit(list(item.children), depth + 1)

    with pdf.open_outline() as outline:
        visit(list(outline.root), 0)
    return entries


def _outline_tree(entries: Sequence[OutlineEntry]) -> list[pikepdf.OutlineItem]:
    """Bookmarks rebuilt from a flat list: each entry goes under the last shallower one."""
    roots: list[pikepdf.OutlineItem] = []
    open_items: list[tuple[int, pikepdf.OutlineItem]] = []
    for depth, title, page, left, top in entries:
        item = pikepdf.OutlineItem(title, page, "XYZ", left=left, top=top, zoom=0)
        while open_items and open_items[-1][0] >= depth:
            open_items.pop()
        (open_items[-1][1].children if open_items else roots).append(item)
        open_items.append((depth, item))
    return roots


def _overlay(pdf: pikepdf.Pdf, page: pikepdf.Page, stamp_pdf: pikepdf.Pdf, stamp: pikepdf.Page, number: int) -> None:
    """Draw ``stamp`` over ``page`` (same size) as a form XObject named after the page.

    pikepdf's own ``add_overlay`` names the XObject at random, which would make
    the bytes differ from build to build; and WeasyPrint shares one resources
    dictionary between a part's pages, so each page's margins need their own name.
    """
    name = f"/ReportgenMargins{number}"
    # Indirect first: copy_foreign would otherwise reuse one copy for every direct form.
    form = pdf.copy_foreign(stamp_pdf.make_indirect(stamp.as_form_xobject()))
    if "/Resources" not in page.obj:
        page.obj.Resources = pikepdf.Dictionary()
    resources: Any = page.obj.Resources
    if "/XObject" not in resources:
        resources.XObject = pikepdf.Dictionary()
    resources.XObject[name] = form
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    # The footer is page furniture: an artefact, outside the structure tree.
    page.contents_add(pikepdf.Stream(pdf, f"\nQ\n/Artifact BMC q {name} Do Q EMC\n".encode()), prepend=False)


def _parent_tree(root: Any) -> list[tuple[int, Any]]:
    """(key, value) pairs of a structure tree's /ParentTree (a number tree, flat or with /Kids)."""
    pairs: list[tuple[int, Any]] = []
    pending = [root.ParentTree]
    while pending:
        node = pending.pop()
        nums = list(node.get("/Nums", []))
        pairs += [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums) - 1, 2)]
        pending += list(node.get("/Kids", []))
    return sorted(pairs, key=lambda pair: pair[0])


def _document_element(root: Any) -> Any:
    kids = root.K
    return kids[0] if isinstance(kids, pikepdf.Array) else kids


def _copy(target: pikepdf.Pdf, source: pikepdf.Pdf, value: Any) -> Any:
    """``copy_foreign`` also for a direct object (made indirect in its own file first)."""
    return target.copy_foreign(value if value.is_indirect else source.make_indirect(value))


def _prune(element: Any, dropped: set[tuple[int, int]]) -> bool:
    """Remove from ``element`` the content marked on ``dropped`` pages; whether any content is left."""
    page = element.get("/Pg")
    here_dropped = page is not None and page.objgen in dropped
    kids = element.get("/K")
    kept = []
    for kid in list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]:
        if not isinstance(kid, pikepdf.Dictionary):  # a marked-content id on the element's page
            if not here_dropped:
                kept.append(kid)
        elif kid.get("/Type") in ("/MCR", "/OBJR"):
            on = kid.get("/Pg", page)
            if on is None or on.objgen not in dropped:
                kept.append(kid)
        elif _prune(kid, dropped):
            kept.append(kid)
    element.K = pikepdf.Array(kept)
    return bool(kept)


def _append_structure(target: pikepdf.Pdf, source: pikepdf.Pdf, start: int, first: int = 0) -> None:
    """Append ``source``'s structure for its pages from ``first`` on (now ``target``'s pages from ``start``).

    A page's /StructParents (an annotation's /StructParent) keys the parent
    tree, whose keys are numbered from 0 in every part: the source's keys are
    shifted past the ones already used, on its pages, annotations and entries.
    Its elements are copied with the same copier as its pages, so their /Pg and
    object references land on the copies. Content on pages before ``first``
    (an incremental layout's replaced pages) is pruned from the copy.
    """
    root, source_root = target.Root.get("/StructTreeRoot"), source.Root.get("/StructTreeRoot")
    if root is None or source_root is None:
        return
    document = _document_element(root)
    if not isinstance(document.get("/K"), pikepdf.Array):
        document.K = pikepdf.Array([document.K] if "/K" in document else [])
    entries = _parent_tree(root)
    offset = max((key for key, _value in entries), default=-1) + 1
    pages = list(source.pages[first:])
    wanted: set[int] = set()
    for page in pages:
        if "/StructParents" in page.obj:
            wanted.add(int(page.obj.StructParents))
        wanted.update(int(a.StructParent) for a in page.obj.get("/Annots", []) if "/StructParent" in a)
    source_document = _document_element(source_root)
    if first:
        _prune(source_document, {(int(page.objgen[0]), int(page.objgen[1])) for page in source.pages[:first]})
    kids = _copy(target, source, source_document).get("/K", pikepdf.Array())
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary):
            kid.P = document
        document.K.append(kid)
    entries += [(key + offset, _copy(target, source, value)) for key, value in _parent_tree(source_root)
                if key in wanted]  # fmt: skip
    for page in target.pages[start : start + len(pages)]:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annotation in page.obj.get("/Annots", []):
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + offset
    nums = pikepdf.Array()
    for key, value in entries:
        nums.append(key)
        nums.append(value)
    root.ParentTree = target.make_indirect(pikepdf.Dictionary(Nums=nums))
    root.ParentTreeNextKey = max((key for key, _value in entries), default=-1) + 1


def _set_page_labels(pdf: pikepdf.Pdf, labels: Sequence[str]) -> None:
    if not labels:
        return
    nums = pikepdf.Array()
    for index, prefix in page_label_ranges(labels):
        nums.append(index)
        nums.append(pikepdf.Dictionary(P=pikepdf.String(prefix)) if prefix else pikepdf.Dictionary())
    pdf.Root.PageLabels = pikepdf.Dictionary(Nums=nums)


def _drop_structure(pdf: pikepdf.Pdf, first: int) -> None:
    """Remove from the structure tree what is marked on the pages from ``first`` on, before they are deleted.

    The front document's stand-in pages are replaced by the chapters' pages;
    their parent-tree entries (and their annotations') go with them.
    """
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    dropped = pdf.pages[first:]
    _prune(_document_element(root), {(int(page.objgen[0]), int(page.objgen[1])) for page in dropped})
    keys = {int(page.obj.StructParents) for page in dropped if "/StructParents" in page.obj}
    keys.update(int(annotation.StructParent) for page in dropped for annotation in page.obj.get("/Annots", [])
                if "/StructParent" in annotation)  # fmt: skip
    nums = pikepdf.Array()
    for key, value in _parent_tree(root):
        if key not in keys:
            nums.append(key)
            nums.append(value)
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=nums))


def _set_destinations(pdf: pikepdf.Pdf, destinations: dict[str, tuple[int, float, float]]) -> None:
    """The named destinations every link points to, at the places the parts put them."""
    names = pikepdf.Array()
    for name in sorted(destinations):
        page, x, y = destinations[name]
        names.append(pikepdf.String(name))
        names.append(pikepdf.Array([pdf.pages[page].obj, pikepdf.Name.XYZ, x, y, 0]))
    if "/Names" not in pdf.Root:
        pdf.Root.Names = pikepdf.Dictionary()
    pdf.Root.Names.Dests = pdf.make_indirect(pikepdf.Dictionary(Names=names))


def merge(front: RenderedPart, chapters: Sequence[RenderedPart], originals: dict[str, Path],
          subset: Subsetter = subset_font, tail: RenderedPart | None = None) -> bytes:  # fmt: skip
    """One PDF: the front pages, then the chapters with the margins of the front's stand-in pages drawn over them.

    ``front`` ends with one stand-in page per chapter page (see ``chapters``):
    its front pages are kept, with their links and structure (the contents'
    links are WeasyPrint's own, tagged as in a single pass); its stand-ins
    give the body pages their margins and the whole document its page labels.
    Bookmarks and named destinations (what every link points to) are rebuilt
    from the parts, at the places the chapters' own layouts put them; the
    chapters' structure trees are appended; each font face is embedded once.
    ``tail``, if given, is the front document drawn again for its last pages
    only, which ``front.pdf`` then leaves out: their margins are taken from it.
    """
    body = sum(len(chapter.page_sizes) for chapter in chapters)
    count = len(front.page_sizes) - body
    merged = pikepdf.Pdf.open(io.BytesIO(front.pdf))
    margins = pikepdf.Pdf.open(io.BytesIO(front.pdf))
    drawn = len(margins.pages)
    last = pikepdf.Pdf.open(io.BytesIO(tail.pdf)) if tail is not None else margins
    if drawn < count or drawn + (len(last.pages) if tail is not None else 0) != len(front.page_sizes):
        raise ValueError("the front document's drawn pages do not add up to its pages")
    outline_entries = [entry for entry in _flat_outline(merged) if entry[2] < count]
    destinations = {name: place for name, place in front.anchors.items() if place[0] < count}
    _drop_structure(merged, count)
    del merged.pages[count:]
    parts = [pikepdf.Pdf.open(io.BytesIO(chapter.pdf)) for chapter in chapters]
    starts: list[int] = []
    for chapter, part in zip(chapters, parts, strict=True):
        starts.append(len(merged.pages))
        outline_entries.extend((d, title, page + starts[-1], x, y) for d, title, page, x, y in _flat_outline(part))
        destinations.update({name: (page + starts[-1], x, y) for name, (page, x, y) in chapter.anchors.items()})
        with warnings.catch_warnings():  # named destinations are rebuilt below, from every part's anchors
            warnings.simplefilter("ignore", getattr(pikepdf, "PageCopyWarning", UserWarning))
            merged.pages.extend(part.pages)
    for offset in range(body):
        index = count + offset
        source, at = (margins, index) if index < drawn else (last, index - drawn)
        _overlay(merged, merged.pages[index], source, source.pages[at], offset)
    with merged.open_outline() as outline:
        outline.root[:] = _outline_tree(outline_entries)
    _set_destinations(merged, destinations)
    for part, start in zip(parts, starts, strict=True):
        _append_structure(merged, part, start)
    _set_page_labels(merged, front.labels)  # what the stand-ins printed: the whole document's numbers
    _share_fonts(merged, originals, subset)
    packed = _save(merged)
    for pdf in (*parts, margins, *([last] if tail is not None else []), merged):
        pdf.close()
    return packed


def _save(pdf: pikepdf.Pdf) -> bytes:
    packed = io.BytesIO()
    # Compressed object streams keep the merged file as small as a single pass;
    # qpdf derives the /ID from the content, so the bytes are reproducible.
    pdf.save(packed, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True,
             deterministic_id=True, recompress_flate=False)  # fmt: skip
    return packed.getvalue()


# ----------------------------------------------------------------- splicing an incremental layout


def _destination_pages(annotation: Any) -> list[Any]:
    """The destination arrays an annotation jumps to (direct, or through a GoTo action)."""
    found = []
    for holder in (annotation, annotation.get("/A")):
        destination = holder.get("/Dest" if holder is annotation else "/D") if holder is not None else None
        if isinstance(destination, pikepdf.Array) and len(destination) > 0:
            found.append(destination)
    return found


def splice(prefix: RenderedPart, previous: RenderedPart, at: int) -> RenderedPart | None:
    """The first ``at`` pages of ``prefix`` followed by ``previous``'s pages from ``at`` on.

    None when a kept page of ``previous`` links to one of the pages replaced
    (its target may have moved): the part must then be laid out whole.
    """
    pdf = pikepdf.Pdf.open(io.BytesIO(prefix.pdf))
    old = pikepdf.Pdf.open(io.BytesIO(previous.pdf))
    old_index = {page.objgen: index for index, page in enumerate(old.pages)}
    for page in old.pages[at:]:
        for annotation in page.obj.get("/Annots", []):
            for destination in _destination_pages(annotation):
                if old_index.get(destination[0].objgen, at) < at:
                    return None
    entries = _flat_outline(pdf) + [entry for entry in _flat_outline(old) if entry[2] >= at]
    pdf.pages.extend(old.pages[at:])
    _append_structure(pdf, old, at, at)
    for page in pdf.pages[at:]:  # links within the kept pages: to their copies
        for annotation in page.obj.get("/Annots", []):
            for destination in _destination_pages(annotation):
                if destination[0].objgen in old_index:
                    destination[0] = pdf.pages[old_index[destination[0].objgen]].obj
    with pdf.open_outline() as outline:
        outline.root[:] = _outline_tree(entries)
    data = _save(pdf)
    anchors = dict(prefix.anchors)
    for name, place in previous.anchors.items():
        if place[0] >= at:
            anchors.setdefault(name, place)
    names = (None if prefix.page_names is None or previous.page_names is None
             else prefix.page_names + previous.page_names[at:])  # fmt: skip
    labels = prefix.labels + previous.labels[at:] if prefix.labels and previous.labels else ()
    return RenderedPart(data, prefix.page_sizes + previous.page_sizes[at:], anchors, labels, names)
