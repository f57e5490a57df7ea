"""The baseline: plain WeasyPrint typesetting saved HTML with the project's stylesheets.

    python raw_weasyprint.py HTML_FILE BASE_URL OUTPUT_PDF STYLESHEET...

Run as its own process by bench.py. Deliberately imports nothing from reportgen:
no confinement, no warning checks, no caching — just what WeasyPrint itself
costs for the very same HTML and CSS. As in reportgen/typeset/engine.py, one
``FontConfiguration`` and one ``CounterStyle`` are shared by the stylesheets and
the render (without them ``@font-face`` and ``@counter-style`` are ignored).
"""

from __future__ import annotations

import sys
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration


def typeset(html_file: Path, base_url: str, output: Path, stylesheets: list[Path]) -> int:
    """Write the PDF; return its page count."""
    font_config = FontConfiguration()
    counter_style = CounterStyle()
    styles = [CSS(filename=str(path), font_config=font_config, counter_style=counter_style) for path in stylesheets]
    document = HTML(string=html_file.read_text(encoding="utf-8"), base_url=base_url)
    rendered = document.render(stylesheets=styles, font_config=font_config, counter_style=counter_style)
    rendered.write_pdf(target=str(output))
    return len(rendered.pages)


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    html_file, base_url, output, *stylesheets = argv
    pages = typeset(Path(html_file), base_url, Path(output), [Path(path) for path in stylesheets])
    print(f"{pages} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
