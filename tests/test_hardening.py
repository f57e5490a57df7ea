"""Untrusted content: no network, no escapes, nothing lost."""

from __future__ import annotations

import multiprocessing
import os
import re
import socket
from pathlib import Path

import pytest
from pypdf import PdfReader

from reportgen.build import atomic
from reportgen.build.pipeline import build_edition, render_html
from reportgen.editions.find import load_edition
from reportgen.paths import Project

from conftest import MINI_REF, BuiltPdf, make_project
from pdfcheck import normalize


def test_a_build_makes_no_network_connection(mini_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    # Content that names remote resources must not make a build reach them either.
    intro = mini_project.edition_dir("mini-city", 1, 1) / "introduction.yaml"
    intro.write_text(intro.read_text(encoding="utf-8")
                     + "intro: '[پیوند](https://example.org/x.css) ![تصویر](https://example.org/a.png)'\n",
                     encoding="utf-8")  # fmt: skip
    build_edition(mini_project, MINI_REF)
    assert attempts == []


def test_no_embedded_files_or_attachments(mini_pdf: BuiltPdf) -> None:
    reader = PdfReader(str(mini_pdf.path))
    root = reader.trailer["/Root"]
    assert "/EmbeddedFiles" not in root.get("/Names", {})
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            assert annotation.get_object()["/Subtype"] != "/FileAttachment"


def test_template_syntax_in_content_prints_literally(mini_project: Project) -> None:
    glossary = mini_project.edition_dir("mini-city", 1, 1) / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace(
        "تصویری از آینده مطلوب.", "'{{ 7 * 7 }} و {% raw %} <script>alert(1)</script>'"), encoding="utf-8")  # fmt: skip
    html = render_html(mini_project, load_edition(mini_project, MINI_REF))
    visible = re.sub(r"</?bdi[^>]*>", "", html)  # Latin words are wrapped for bidi isolation
    assert "{{ 7 * 7 }} و {% raw %} &lt;script&gt;alert(1)&lt;/script&gt;" in visible
    assert "<script" not in html
    text = normalize(BuiltPdf(build_edition(mini_project, MINI_REF)).text())
    assert "7 * 7" in text and "alert" in text and "49" not in text


def test_crash_mid_write_keeps_previous_pdf(mini_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    build_edition(mini_project, MINI_REF)
    pdf = mini_project.output / MINI_REF.pdf_name
    before = pdf.read_bytes()
    real_fsync = os.fsync

    def crash(descriptor: int) -> None:
        real_fsync(descriptor)
        raise KeyboardInterrupt  # Ctrl-C after the bytes are written, before the rename

    monkeypatch.setattr(atomic.os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        build_edition(mini_project, MINI_REF)
    assert pdf.read_bytes() == before
    assert sorted(p.name for p in mini_project.output.iterdir()) == [pdf.name]


def test_failed_rename_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")

    def fail(source: str, destination: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(atomic.OutputError, match="No space left on device"):
        atomic.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]


def _build_in_process(root: str, content: str) -> int:
    project = make_project(Path(root), Path(content))
    return build_edition(project, MINI_REF).pages


def test_two_builds_at_once_do_not_corrupt_each_other(mini_project: Project) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        pages = pool.starmap(_build_in_process, [(str(mini_project.root), str(mini_project.content))] * 2)
    assert pages[0] == pages[1]
    pdf = mini_project.output / MINI_REF.pdf_name
    assert len(PdfReader(str(pdf)).pages) == pages[0]
    assert sorted(p.name for p in mini_project.output.iterdir()) == [pdf.name]


def test_runaway_layout_is_stopped(tmp_path: Path) -> None:
    from reportgen.errors import TypesetError
    from reportgen.typeset.engine import typeset_pdf

    html = "<p>" + "کلمه‌ای " * 200 + "</p>"
    with pytest.raises(TypesetError, match="took longer than 0.001 s"):
        typeset_pdf(html * 400, stylesheets=[], base_dir=tmp_path, allowed_roots=[tmp_path], time_limit=0.001)


def test_written_files_follow_the_umask_and_keep_an_existing_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic.write_atomic(tmp_path / "new.pdf", b"x")
        assert (tmp_path / "new.pdf").stat().st_mode & 0o777 == 0o640
        os.umask(0o022)
        atomic.write_atomic(tmp_path / "other.pdf", b"x")
        assert (tmp_path / "other.pdf").stat().st_mode & 0o777 == 0o644
        (tmp_path / "other.pdf").chmod(0o600)
        atomic.write_atomic(tmp_path / "other.pdf", b"y")
        assert (tmp_path / "other.pdf").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)
