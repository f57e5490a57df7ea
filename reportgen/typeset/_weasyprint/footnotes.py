"""Footnotes stay on the page of their call when their footnote-policy says so.

WeasyPrint 70's ``_linebox_layout`` (``weasyprint/layout/block.py``), when a
line overflows the page and the page may end after that line but not before it
(orphans/widows), moves the page's footnotes to the next page, last first,
until the line fits ("report footnotes and see if we don't overflow"). It does
so whatever the notes' ``footnote-policy``: a note set ``footnote-policy: line``
(the report's stylesheet) leaves its call's page, with room on that page for
it had the page ended a line earlier. And when moving every note still does
not make the line fit, the notes stay moved although the page then breaks
before the line anyway. In the sample, notes ۲ and ۳ of stage 1 edition 2
were moved so.

The change, which we would offer WeasyPrint upstream (two lines in that
branch): move only notes whose ``footnote-policy`` is ``auto``, and put the
moved notes back when the line does not fit after all. Everything else below is
WeasyPrint 70's function as it is (BSD licence), installed in its module's place
because the branch sits in the middle of it.

Second, ``LayoutContext._update_footnote_area`` (``weasyprint/layout/__init__.py``)
says a note overflows its area when the note's last box ends below the area,
compared with a bare ``>``: where both are the same sum done in a different
order, float noise decides. On the sample's landscape pages (the comments
appendix) the one-line note ۸ ends at 743.2026246719162 in an area ending at
743.202624671916, so it "overflows" on every page, is reported, and takes its
call's line along (footnote-policy: line) until the page after. The copy below
compares with ``LayoutContext.overflows``, WeasyPrint's own tolerance for
exactly this (1e-9, relative) everywhere else; also for upstream.

Only behind the package's gate (``_weasyprint.enabled``).
"""

# ruff: noqa
# mypy: ignore-errors
# fmt: off

from __future__ import annotations

from typing import Any

from math import inf

from weasyprint.formatting_structure import build
from weasyprint.layout import LayoutContext, block
from weasyprint.layout.block import (
    _break_line, block_level_layout, collapse_margin, iter_line_boxes, remove_placeholders)


def _movable(footnotes: list[Any]) -> bool:
    """Whether the page's last footnote may go to the next page to make room (policy auto only)."""
    return bool(footnotes) and footnotes[-1].style["footnote_policy"] == "auto"


def _restore(context: Any, count: int) -> None:
    """Put back on the page the ``count`` footnotes just moved to the next one (moved last first)."""
    for _ in range(count):
        context.current_page_footnotes.append(context.reported_footnotes.pop())
    if count:
        context._update_footnote_area()


def _linebox_layout(context, box, index, child, new_children, page_is_empty,
                    absolute_boxes, fixed_boxes, adjoining_margins,
                    bottom_space, position_y, skip_stack, first_letter_style,
                    first_line_style, draw_bottom_decoration, max_lines):
    abort = stop = False
    resume_at = None
    new_footnotes = []

    assert len(box.children) == 1, 'line box with siblings before layout'

    if adjoining_margins:
        position_y += collapse_margin(adjoining_margins)
    new_containing_block = box
    lines_iterator = iter_line_boxes(
        context, child, position_y, bottom_space, skip_stack, new_containing_block,
        absolute_boxes, fixed_boxes, first_letter_style, first_line_style)
    for i, (line, resume_at) in enumerate(lines_iterator):
        # Break box if we reached max-lines
        if max_lines is not None:
            if max_lines == 0:
                new_children[-1].block_ellipsis = box.style['block_ellipsis']
                break
            max_lines -= 1

        # Update line resume_at and position_y
        line.resume_at = resume_at
        new_position_y = line.position_y + line.height

        # Add bottom padding and border to the bottom position of the
        # box if needed
        draw_bottom_decoration |= resume_at is None
        if draw_bottom_decoration:
            offset_y = box.border_bottom_width + box.padding_bottom
        else:
            offset_y = 0

        # Allow overflow if the first line of the page is higher than the page itself so
        # that we put *something* on this page and can advance in the context.
        overflow = (
            (new_children or not page_is_empty) and
            context.overflows_page(bottom_space, new_position_y + offset_y))
        if overflow:
            # If we couldn’t break the line before but can break now, first try to
            # report footnotes and see if we don’t overflow.
            could_break_before = can_break_now = True
            needed = box.style['widows'] - 1
            for next_line, _ in lines_iterator:
                needed -= 1
                remove_placeholders(
                    context, next_line.children, absolute_boxes, fixed_boxes)
                # Don’t iterate over all lines as it can be long.
                if needed == -1:
                    break
            if len(new_children) + 1 < box.style['orphans']:
                can_break_now = False
            elif needed >= 0:
                can_break_now = False
            if len(new_children) < box.style['orphans']:
                could_break_before = False
            elif needed > 0:
                could_break_before = False
            needed = max(0, needed)
            report = not context.in_column and can_break_now and not could_break_before
            reported_footnotes = 0
            # reportgen: only a footnote whose footnote-policy is auto may leave its call's page.
            while report and _movable(context.current_page_footnotes):
                context.report_footnote(context.current_page_footnotes[-1])
                reported_footnotes += 1
                if not context.overflows_page(bottom_space, new_position_y + offset_y):
                    new_children.append(line)
                    stop = True
                    break
            else:
                # reportgen: moving the notes did not keep the line here: they stay on their page.
                _restore(context, reported_footnotes)
                reported_footnotes = 0
                abort, stop, resume_at = _break_line(
                    context, box, line, new_children, needed, page_is_empty, index,
                    skip_stack, resume_at, absolute_boxes, fixed_boxes)

            # Revert reported footnotes, as they’ve been reported starting from the last
            # one.
            if reported_footnotes >= 2:
                extra = context.reported_footnotes[-1:-reported_footnotes-1:-1]
                context.reported_footnotes[-reported_footnotes:] = extra

            break

        # TODO: this is incomplete.
        # See https://drafts.csswg.org/css-page-3/#allowed-pg-brk
        # "When an unforced page break occurs here, both the adjoining
        #  ‘margin-top’ and ‘margin-bottom’ are set to zero."
        # See issue #115.
        elif page_is_empty and context.overflows_page(bottom_space, new_position_y):
            # Remove the top border when a page is empty and the box is
            # too high to be drawn in one page
            new_position_y -= box.margin_top
            line.translate(0, -box.margin_top)
            box.margin_top = 0

        if context.footnotes:
            break_linebox = False
            footnotes = (
                descendant.footnote for descendant in line.descendants()
                if descendant.footnote in context.footnotes)
            for footnote in footnotes:
                overflow = context.layout_footnote(footnote)
                new_footnotes.append(footnote)
                overflow = (
                    overflow or
                    context.reported_footnotes or
                    context.overflows_page(bottom_space, new_position_y + offset_y))
                if overflow:
                    context.report_footnote(footnote)
                    # If we've put other content on this page, then we may want
                    # to push this line or block to the next page. Otherwise,
                    # we can't (and would loop forever if we tried), so don't
                    # even try.
                    if new_children or not page_is_empty:
                        if footnote.style['footnote_policy'] == 'line':
                            if needed := box.style['widows'] - 1:
                                for _ in lines_iterator:
                                    needed -= 1
                                    # Don’t iterate over all lines as it can be long.
                                    if needed == 0:
                                        break
                            abort, stop, resume_at = _break_line(
                                context, box, line, new_children, needed, page_is_empty,
                                index, skip_stack, resume_at, absolute_boxes,
                                fixed_boxes)
                            break_linebox = True
                            break
                        elif footnote.style['footnote_policy'] == 'block':
                            abort = break_linebox = True
                            break
            if break_linebox:
                break

        new_children.append(line)
        position_y = new_position_y
        skip_stack = resume_at

    if new_children:
        resume_at = {index: new_children[-1].resume_at}

    return abort, stop, resume_at, position_y, new_footnotes, max_lines


def _update_footnote_area(self):
    """Update the page bottom size and our footnote area height."""
    if self.current_footnote_area.height != 'auto' and not self.in_column:
        self.page_bottom += self.current_footnote_area.margin_height()
    self.current_footnote_area.children = self.current_page_footnotes
    if self.current_footnote_area.children:
        footnote_area = build.create_anonymous_boxes(
            self.current_footnote_area.deepcopy())
        footnote_area = block_level_layout(
            self, footnote_area, -inf, None,
            self.current_footnote_area.page)[0]
        self.current_footnote_area.height = footnote_area.height
        if not self.in_column:
            self.page_bottom -= footnote_area.margin_height()
        last_child = footnote_area.children[-1]
        last_child_bottom = (
            last_child.position_y + last_child.margin_height() -
            last_child.margin_bottom)
        footnote_area_bottom = (
            footnote_area.position_y + footnote_area.margin_height() -
            footnote_area.margin_bottom)
        # reportgen: with WeasyPrint's tolerance, not a bare ">" (float noise made a fitting note overflow).
        overflow = self.overflows(footnote_area_bottom, last_child_bottom)
        return overflow
    else:
        self.current_footnote_area.height = 0
        if not self.in_column:
            self.page_bottom -= self.current_footnote_area.margin_height()
        return False


def install() -> None:
    """Lay lines and footnote areas out with the changes above from now on in this process (idempotent)."""
    if block._linebox_layout is not _linebox_layout:
        block._linebox_layout = _linebox_layout
    if LayoutContext._update_footnote_area is not _update_footnote_area:
        LayoutContext._update_footnote_area = _update_footnote_area
