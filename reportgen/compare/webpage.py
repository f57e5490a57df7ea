"""An ``EditionDiff`` as one standalone right-to-left HTML page for reviewers.

Everything it needs is inside the file: the report's font (Vazirmatn, embedded
as data URLs by the caller, who reads the files), the styles, and a view switch
done in CSS alone (inline marks, or old and new side by side). Text fields are
rendered as the report renders them (Markdown subset), with inserted and
deleted words marked; matrices are shown whole, changed cells marked; every
change links to the comments that concern it, and each comment (the trace, at
the end) links back to its changes. Every word comes from the labels catalogue
(``labels.py``), chapters are named by their own titles.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from html import escape
from typing import Final

from reportgen.compare.diff import CHANGE_KINDS, Change, EditionDiff, FieldChange, Matrix, SectionChange, WordOp
from reportgen.compare.formats import field_ops
from reportgen.compare.labels import Words
from reportgen.compare.redline import DEL_CLOSE, DEL_OPEN, INS_CLOSE, INS_OPEN, marked_text
from reportgen.compare.trace import TraceEntry, answered_by
from reportgen.text.markdown import render_markdown
from reportgen.text.persian import format_jalali_date, to_persian_digits

FontFace = tuple[int, bytes]
"""A font weight and the TrueType file's bytes."""

_TAGS: Final = {ord(INS_OPEN): "<ins>", ord(INS_CLOSE): "</ins>", ord(DEL_OPEN): "<del>", ord(DEL_CLOSE): "</del>"}

_STYLE: Final = """
body { font-family: Vazirmatn, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1.5rem 2rem;
       line-height: 1.9; color: #222; }
h1 { font-size: 1.6rem; color: #1f4e79; } h2 { font-size: 1.3rem; color: #1f4e79; border-bottom: 1px solid #ccd; }
h3 { font-size: 1.05rem; margin: 0 0 .5rem; }
table { border-collapse: collapse; margin-block: 1rem; }
th, td { border: 1px solid #bbb; padding: .25rem .6rem; text-align: center; vertical-align: top; }
.summary th:first-child { text-align: right; }
.change { border-inline-start: 4px solid #888; padding-inline-start: 1rem; margin-block: 1.2rem; }
.added { border-color: #2e7d32; } .removed { border-color: #c62828; }
.changed { border-color: #1565c0; } .moved { border-color: #6a1b9a; }
.field-name { font-weight: 700; color: #555; margin-block: .6rem .2rem; }
ins { background: #dff3e6; color: #14532d; text-decoration: none; }
del { background: #fdecea; color: #b71c1c; text-decoration: line-through; }
.normalisation { color: #777; } .normalisation ins, .normalisation del { background: #eee; color: #666; }
.tag { font-size: .8em; border: 1px solid #aaa; border-radius: .3em; padding: 0 .3em; margin-inline-end: .4em; }
.footnote { font-size: .85em; color: #555; } .footnote::before { content: " ["; } .footnote::after { content: "]"; }
.answers { font-size: .9em; color: #444; } .answers a { margin-inline-end: .5em; }
.views { position: sticky; top: 0; background: #fff; padding: .4rem 0; border-bottom: 1px solid #ddd; z-index: 1; }
.views label { margin-inline-end: 1.5rem; cursor: pointer; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.pair > div { border: 1px solid #e3e3e3; padding: .3rem .7rem; background: #fcfcfc; }
.pair .side-title { font-size: .8em; color: #777; margin: 0; }
.pair { display: none; }
#view-pair:checked ~ main .pair { display: grid; }
#view-pair:checked ~ main .inline { display: none; }
.matrix .cell-changed { background: #fff4d6; outline: 2px solid #e0a100; }
.matrix th { background: #eef3f8; }
.trace-entry { border-inline-start: 3px solid #ccd; padding-inline-start: 1rem; margin-block: 1rem; }
.trace-entry.open { border-color: #b45309; }
.status { font-weight: 700; }
"""


def _font_faces(fonts: Sequence[FontFace]) -> str:
    return "".join(
        "@font-face { font-family: Vazirmatn; font-style: normal; "
        f"font-weight: {weight}; src: url(data:font/ttf;base64,{base64.b64encode(data).decode()}) "
        'format("truetype"); }\n'
        for weight, data in fonts
    )


def _rich(text: str) -> str:
    """Marked text rendered as the report renders it: string lists as list items, prose as Markdown."""
    blocks = text.split("\n")
    if len(blocks) > 1 and "" not in blocks and not any(b.lstrip()[:2] in ("- ", "* ", "1.") for b in blocks):
        html = "<ul>" + "".join(f"<li>{render_markdown(b, inline=True)}</li>" for b in blocks) + "</ul>"
    else:
        html = render_markdown(text)
    return html.translate(_TAGS)


def _side(ops: Iterable[WordOp], keep: str) -> str:
    """One edition's text with its own changes marked: the old with deletions, the new with insertions."""
    return _rich(marked_text(tuple(op for op in ops if op.op in ("equal", keep))))


def _field(field: FieldChange, names: dict[str, str], words: Words) -> str:
    ops = field_ops(field, words)
    tag = f' normalisation"><span class="tag">{escape(words.normalisation)}</span'
    cosmetic = tag if field.normalisation_only else '"'
    ui = words.ui
    return (
        f'<div class="field{cosmetic}><p class="field-name">{escape(words.field_name(field.field, names))}</p>'
        f'<div class="inline">{_rich(marked_text(ops))}</div>'
        f'<div class="pair"><div class="old"><p class="side-title">{escape(ui["old"])}</p>{_side(ops, "delete")}'
        f'</div><div class="new"><p class="side-title">{escape(ui["new"])}</p>{_side(ops, "insert")}</div></div></div>'
    )


def _answers(comment_ids: Sequence[str], words: Words) -> str:
    if not comment_ids:
        return ""
    links = "".join(f'<a href="#comment-{escape(c)}"><bdi dir="ltr">{escape(c)}</bdi></a>' for c in comment_ids)
    return f'<p class="answers">{escape(words.ui["answers"])}: {links}</p>'


def _change(index: int, change: Change, diff: EditionDiff, comment_ids: Sequence[str], words: Words) -> str:
    fields = change.fields
    where = ""
    if change.kind == "moved":
        where = (f' <span class="where">({escape(words.ui["moved_from"])} '
                 f"{escape(change.old_list_path or change.list_path)})</span>")  # fmt: skip
    return (
        f'<section class="change {change.kind}" id="change-{index}"><h3><span class="tag">'
        f"{escape(words.kinds[change.kind])}</span><bdi>{escape(change.label)}</bdi>{where}</h3>"
        + "".join(_field(f, diff.names, words) for f in fields) + _answers(comment_ids, words) + "</section>"
    )


def _matrix(matrix: Matrix, names: dict[str, str], words: Words) -> str:
    head = "".join(f"<th>{escape(names.get(k, k))}</th>" for k in matrix.columns)
    rows = []
    for row in matrix.rows:
        cells = []
        for key in matrix.columns:
            old, new = row.cells.get(key, (None, None))
            if old == new:
                cells.append(f"<td>{escape(words.value_name(new))}</td>")
            else:
                shown = (f"<del>{escape(words.value_name(old))}</del> " if old else "") + (
                    f"<ins>{escape(words.value_name(new))}</ins>" if new else "")
                cells.append(f'<td class="cell-changed" data-key="{escape(key)}">{shown}</td>')
        rows.append(f'<tr data-row="{escape(row.item_id)}"><th>{escape(row.label)}</th>{"".join(cells)}</tr>')
    title = f'{escape(words.ui["matrix"])}: {escape(words.field_name(matrix.field))}'
    return (f'<section class="matrix-block"><h3>{title}</h3><table class="matrix"><thead><tr><th></th>{head}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></section>')  # fmt: skip


def _section(section: SectionChange, names: dict[str, str], words: Words) -> str:
    return (f'<section class="change {section.kind}" id="section-{escape(section.section)}"><h3><span class="tag">'
            f'{escape(words.chapter_kinds[section.kind])}</span></h3>'
            + "".join(_field(f, names, words) for f in section.fields) + "</section>")  # fmt: skip


def _summary(diff: EditionDiff, words: Words) -> str:
    ui = words.ui
    if diff.is_empty:
        return f'<p>{escape(ui["identical"])}</p>'
    head = "".join(f"<th>{escape(words.kinds[k])}</th>" for k in CHANGE_KINDS)
    body = "".join(
        f'<tr><th><a href="#s-{escape(s)}">{escape(diff.title(s))}</a></th>'
        + "".join(f"<td>{to_persian_digits(counts[k]) if counts[k] else '–'}</td>" for k in CHANGE_KINDS)
        + "</tr>"
        for s, counts in diff.counts().items()
    )
    return (f'<table class="summary"><thead><tr><th>{escape(ui["section"])}</th>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")  # fmt: skip


def _trace(diff: EditionDiff, entries: Sequence[TraceEntry], words: Words) -> str:
    ui = {key: escape(text) for key, text in words.ui.items()}
    parts = [f'<h2 id="trace">{ui["trace"]}</h2><p>{ui["trace_intro"]}</p>']
    for entry in entries:
        comment = entry.comment
        status = escape(words.status_name(entry.status))
        previous = (f' ({ui["previous_status"]}: {escape(words.value_name(entry.previous_status))})'
                    if entry.previous_status else "")  # fmt: skip
        links = [f'<li><a href="#section-{escape(s)}">{escape(diff.title(s))}</a></li>'
                 for s in entry.sections]  # fmt: skip
        links += [f'<li><a href="#change-{i}"><span class="tag">{escape(words.kinds[diff.changes[i].kind])}</span>'
                  f"<bdi>{escape(diff.changes[i].label)}</bdi></a></li>" for i in entry.changes]  # fmt: skip
        parts.append(
            f'<section class="trace-entry{" open" if entry.is_open else ""}" id="comment-{escape(comment.id)}">'
            f'<h3><bdi dir="ltr">{escape(comment.id)}</bdi> — {escape(comment.sender)}، '
            f"<bdi>{format_jalali_date(comment.date, long=False)}</bdi></h3>"
            f'<p>{ui["status"]}: <span class="status">{status}</span>{previous}</p>'
            f"<p>{escape(comment.text)}</p>"
            + (f'<p><strong>{ui["response"]}:</strong> {escape(comment.response)}</p>' if comment.response else "")
            + (f'<p><strong>{ui["reason"]}:</strong> {escape(comment.reason)}</p>' if comment.reason else "")
            + (f'<ul class="trace-changes">{"".join(links)}</ul>' if links else f'<p>{ui["no_changes"]}</p>')
            + "</section>"
        )
    return "".join(parts)


def to_html(diff: EditionDiff, *, traces: Sequence[TraceEntry] = (), fonts: Sequence[FontFace] = ()) -> str:
    """One standalone RTL page: summary, every change (inline or side by side), matrices, the comments' trace."""
    words = Words(diff.labels)
    ui = {key: escape(text) for key, text in words.ui.items()}
    title = words.ui["title"].format(old=diff.old_title or diff.old_label, new=diff.new_title or diff.new_label)
    answers = answered_by(list(traces))
    sections = {s.section: s for s in diff.sections}
    body: list[str] = []
    for name in diff.counts():
        body.append(f'<h2 id="s-{escape(name)}">{escape(diff.title(name))}</h2>')
        if name in sections:
            body.append(_section(sections[name], diff.names, words))
        body += [_matrix(m, diff.names, words) for m in diff.matrices if m.section == name]
        body += [_change(i, c, diff, answers.get(i, []), words) for i, c in enumerate(diff.changes)
                 if c.section == name]  # fmt: skip
    if traces:
        body.append(_trace(diff, traces, words))
    views = (f'<input type="radio" name="view" id="view-inline" checked><label for="view-inline">{ui["inline"]}'
             f'</label><input type="radio" name="view" id="view-pair"><label for="view-pair">{ui["side_by_side"]}'
             "</label>")  # fmt: skip
    return (
        '<!DOCTYPE html>\n<html lang="fa" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_font_faces(fonts)}{_STYLE}</style>\n</head>\n<body>\n"
        f"{views}\n"
        f'<main>\n<h1>{escape(title)}</h1>\n<p class="legend">{ui["legend"]}</p>\n{_summary(diff, words)}\n'
        + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )
