"""A project restyled without touching the package: theme values, a template override, its own stylesheet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from reportgen.cli import main

from pdfcheck import normalize

ACCENT = (0xB0, 0x10, 0x10)
TITLE_GREEN = (0x10, 0x90, 0x30)
LOGO_BLUE = (0x10, 0x30, 0xC0)
MARKER = "واژه‌نامهٔ ویژهٔ این پروژه"
CONTENTS = "سرفصل‌های گزارش"


def _count(png: Path, colour: tuple[int, int, int], tolerance: int = 40) -> int:
    data = Image.open(png).convert("RGB").tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for pixel in pixels if all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True)))


def _raster(pdf: Path, page: int, out: Path) -> Path:
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(pdf),
                    str(out)], check=True)  # fmt: skip
    return out.with_suffix(".png")


@pytest.fixture(scope="module")
def themed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("themed") / "project"
    result = CliRunner().invoke(main, ["new", str(root), "--report", "themed"])
    assert result.exit_code == 0, result.output
    (root / "assets").mkdir()
    (root / "assets" / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" '
        'fill="#1030c0"/></svg>', encoding="utf-8")  # fmt: skip
    (root / "theme.yaml").write_text('accent: "#b01010"\nlogo: assets/logo.svg\n', encoding="utf-8")
    # Named to sort before the theme's fonts.css: it must still come after every sheet of the theme.
    (root / "styles").mkdir()
    (root / "styles" / "a-custom.css").write_text(".cover-title { color: #109030; }\n", encoding="utf-8")
    package_template = Path(__file__).resolve().parent.parent / "reportgen/render/templates/sections/glossary.html.j2"
    override = root / "templates" / "sections" / "glossary.html.j2"
    override.parent.mkdir(parents=True)
    override.write_text(package_template.read_text(encoding="utf-8").replace(
        "</section>", f"<p class=\"project-marker\">{MARKER}</p>\n</section>", 1), encoding="utf-8")  # fmt: skip
    (root / "content" / "themed" / "labels.yaml").write_text(f"document:\n  contents: {CONTENTS}\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_theme_values_template_override_and_project_stylesheet_show_in_the_pdf(themed: Path, tmp_path: Path,
                                                                               jobs: str) -> None:  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "reportgen", "--project", str(themed), "build", "-j", jobs,
                             "-o", str(tmp_path)], capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "themed_stage-1_edition-1.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert normalize(MARKER) in normalize(text)
    assert normalize(CONTENTS) in normalize(text) and "فهرست مطالب" not in text  # the report's own label
    cover = _raster(pdf, 1, tmp_path / "cover")
    assert _count(cover, ACCENT) > 500  # the cover's accent band, in the theme's colour
    assert _count(cover, (0x1F, 0x5F, 0x8B), tolerance=12) == 0  # and not the default accent
    assert _count(cover, LOGO_BLUE) > 100  # the logo
    assert _count(cover, TITLE_GREEN) > 20  # the project's own stylesheet won over the theme's


def test_a_logo_outside_assets_is_a_located_error(tmp_path: Path) -> None:
    root = tmp_path / "p"
    CliRunner().invoke(main, ["new", str(root), "--report", "bad-logo"])
    (root / "theme.yaml").write_text("accent: red\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--project", str(root), "build"])
    assert result.exit_code == 1
    assert f"{root / 'theme.yaml'}:1:1: accent: must be a colour written #rrggbb, e.g. #1f5f8b" in result.output
    (root / "theme.yaml").write_text("logo: content/../../secret.png\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--project", str(root), "build"])
    assert result.exit_code == 1
    assert f"{root / 'theme.yaml'}:1:1: logo: must be a PNG, JPEG or SVG file inside assets/" in result.output
    assert not (root / "dist").exists()


def test_an_unknown_label_is_a_located_error_with_the_nearest_key(tmp_path: Path) -> None:
    root = tmp_path / "p"
    CliRunner().invoke(main, ["new", str(root), "--report", "labelled"])
    labels = root / "content" / "labelled" / "labels.yaml"
    labels.write_text("document:\n  contnets: فهرست\ncaption:\n  table: 12\n  chart: نمودار\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--project", str(root), "validate"])
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        f"  {labels}:2:3: document.contnets: unknown label: did you mean 'contents'?",
        f"  {labels}:5:3: caption.chart: unknown label (known: figure, table)",
    ]
