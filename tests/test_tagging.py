"""Tagged PDF/UA-1 on every build path (issue 19): structure tree, right-to-left viewing, Persian page labels."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from reportgen.build.pipeline import build_edition
from reportgen.typeset.results import page_label_ranges
from tests.conftest import DATA, MINI_REF, BuiltPdf, make_project


@pytest.fixture(scope="module")
def parallel_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parallel")
    return build_edition(make_project(root, DATA / "mini" / "content"), MINI_REF, jobs=2).path


def _check_structure(path: Path) -> None:
    """Our own PDF/UA checks: catalog entries, and every marked-content id on a page is in the parent tree."""
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        assert str(root.Lang) == "fa-IR"
        assert root.MarkInfo.Marked
        assert root.ViewerPreferences.Direction == "/R2L" and root.ViewerPreferences.DisplayDocTitle
        tree = root.StructTreeRoot
        nums = list(tree.ParentTree.Nums)
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        keys = [int(page.obj.StructParents) for page in pdf.pages if "/StructParents" in page.obj]
        assert len(keys) == len(set(keys)) == len(pdf.pages)  # one parent-tree entry per page, none shared
        for page in pdf.pages:
            entry = parents[int(page.obj.StructParents)]
            contents = page.obj.Contents
            data = (b"".join(c.read_bytes() for c in contents) if isinstance(contents, pikepdf.Array)
                    else contents.read_bytes())  # fmt: skip
            mcids = {int(m) for m in re.findall(rb"/MCID\s+(\d+)", data)}
            assert all(m < len(entry) and entry[m].get("/P") is not None for m in mcids)
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    assert int(annotation.StructParent) in parents
        document = tree.K[0] if isinstance(tree.K, pikepdf.Array) else tree.K
        assert document.S == "/Document" and len(document.K) > 3


def test_single_pass_is_tagged(sample_pdf: BuiltPdf) -> None:
    _check_structure(sample_pdf.path)


def test_parallel_build_is_tagged_with_one_merged_structure_tree(parallel_pdf: Path) -> None:
    _check_structure(parallel_pdf)


def test_page_labels_are_the_printed_numbers(sample_pdf: BuiltPdf, parallel_pdf: Path) -> None:
    for path in (sample_pdf.path, parallel_pdf):
        labels = PdfReader(path).page_labels
        assert labels[0] == "جلد"
        assert "الف" in labels and "ب" in labels
        body = labels[labels.index("۱"):]
        assert body[:3] == ["۱", "۲", "۳"]
        assert labels.index("الف") < labels.index("۱")


def test_the_figure_has_alt_text(sample_pdf: BuiltPdf) -> None:
    with pikepdf.open(sample_pdf.path) as pdf:
        pending, figures = [pdf.Root.StructTreeRoot], []
        while pending:
            node = pending.pop()
            if isinstance(node, pikepdf.Dictionary):
                if node.get("/S") == "/Figure":
                    figures.append(node)
                kids = node.get("/K")
                pending += list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
        alts = [str(figure.get("/Alt", "")) for figure in figures]
    assert any(re.search(r"ماه [۰-۹]+–[۰-۹]+", alt) for alt in alts), alts


def test_label_ranges() -> None:
    assert page_label_ranges(["", "", "الف", "ب", "۱", "", "۳"]) == [
        (0, "جلد"), (1, "جلد"), (2, "الف"), (3, "ب"), (4, "۱"), (5, ""), (6, "۳")]


def test_a_pdf_ua_checker_finds_nothing(sample_pdf: BuiltPdf, parallel_pdf: Path) -> None:
    """pdfua checks 16 of PDF/UA-1's 106 machine-checkable rules (veraPDF, which checks all, needs a JVM)."""
    pdfua = pytest.importorskip("pdfua")
    for path in (sample_pdf.path, parallel_pdf):
        report = pdfua.validate(str(path))
        findings = [f"{f.rule_id} p.{f.location.page}: {f.message}" for f in report.findings
                    if f.severity >= pdfua.Severity.WARNING]  # fmt: skip
        assert not findings, findings
        # The checks ran: pdfua 0.1.3's empty-heading rule fails on arrays in /K (its own bug);
        # test_header_cells_say_what_they_head checks that rule instead.
        skipped = {outcome.rule_id for outcome in report.skipped}
        assert len(report.outcomes) >= 12 and skipped <= {"UA-14-001"}, skipped


def test_header_cells_say_what_they_head(sample_pdf: BuiltPdf, parallel_pdf: Path) -> None:
    for path in (sample_pdf.path, parallel_pdf):
        with pikepdf.open(path) as pdf:
            scopes = {str(element.A.Scope) for element in _elements(pdf, "/TH")}
            headings = list(_elements(pdf, "/H1", "/H2", "/H3"))
            assert headings and all(_marks_content(element) for element in headings)
        assert scopes == {"/Column", "/Row"} if path == sample_pdf.path else scopes >= {"/Column"}


def _elements(pdf: pikepdf.Pdf, *roles: str) -> list[pikepdf.Dictionary]:
    found, stack = [], [pdf.Root.StructTreeRoot.K]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            if str(node.S) in roles:
                found.append(node)
            stack.append(node.get("/K"))
    return found


def _marks_content(node: object) -> bool:
    """Whether a structure element reaches marked content (an MCID) through its kids."""
    if isinstance(node, pikepdf.Dictionary):
        return str(node.get("/Type")) == "/MCR" or _marks_content(node.get("/K"))
    if isinstance(node, pikepdf.Array):
        return any(_marks_content(kid) for kid in node)
    return isinstance(node, int)  # pikepdf gives an MCID as a Python int
