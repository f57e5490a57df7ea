"""The bundled sample (Hamedan, stage 1, edition 2): built for real and read back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reportgen.content.models import APPENDIX_KINDS, FRONT_MATTER_KINDS, SECTION_KINDS, CaseStudies, Glossary, Upstream
from reportgen.editions.find import EditionRef, load_edition
from reportgen.paths import Project

from conftest import REPO, SAMPLE_REF, BuiltPdf, make_project
from pdfcheck import embedded_fonts, normalize, outline_titles, page_labels, toc_page_numbers

CITIES = ["تهران", "اصفهان", "مشهد", "شیراز", "قزوین", "بوستون", "پالرمو", "کپنهاگ"]


def test_sample_has_every_section_with_enough_content(repo_project: Project) -> None:
    edition = load_edition(repo_project, SAMPLE_REF)
    assert list(edition.sections) == list(SECTION_KINDS)
    glossary = edition.sections["glossary"]
    assert isinstance(glossary, Glossary) and len(glossary.terms) >= 15
    cases = edition.sections["case-studies"]
    assert isinstance(cases, CaseStudies)
    assert [case.city for case in cases.cases] == CITIES
    used = {lesson.category.value for case in cases.cases for lesson in case.lessons}
    assert used == {"methodology", "visioning", "operationalisation", "budget", "monitoring", "other"}
    upstream = edition.sections["upstream"]
    assert isinstance(upstream, Upstream) and len(upstream.documents) >= 20
    assert {doc.level.value for doc in upstream.documents} == {"national", "provincial", "local"}
    assert {doc.status.value for doc in upstream.documents} == {"approved", "in-preparation"}


def test_sample_content_uses_persian_letters() -> None:
    from conftest import REPO

    for path in (REPO / "content").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert not re.search("[\u064a\u0643]", text), f"{path}: Arabic yeh/kaf"
        assert "\u200c" in text or path.name in ("report.yaml", "stage.yaml"), f"{path}: no ZWNJ at all?"


def test_page_count_and_fonts(sample_pdf: BuiltPdf) -> None:
    assert 35 <= sample_pdf.result.pages <= 150
    names = {name.split("+", 1)[1] for name, embedded, subset in embedded_fonts(sample_pdf.path)}
    assert names <= {"Vazirmatn", "Vazirmatn-Bold", "Vazirmatn-Medium",
                     "Vazirmatn-Latin", "Vazirmatn-Latin-Bold", "Vazirmatn-Latin-Medium"}  # Latin runs: same files


def test_every_chapter_and_city_is_in_the_text(sample_pdf: BuiltPdf, repo_project: Project) -> None:
    text = normalize(sample_pdf.text())
    edition = load_edition(repo_project, SAMPLE_REF)
    for section in edition.sections.values():
        assert normalize(section.title) in text, section.title
    for city in CITIES:
        assert normalize(f"تجربهٔ شهر {city}") in text
    for sentence in ("برنامه راهبردی و عملیاتی شهر و شهرداری همدان", "ویرایش دوم", "کارفرما",
                     "شهرداری همدان", "نمونهٔ گویا", "Imagine Boston 2030"):  # fmt: skip
        assert normalize(sentence) in text, sentence


def test_illustrative_notice_on_back_of_title_page(sample_pdf: BuiltPdf) -> None:
    assert "نمونه گویا" in normalize(sample_pdf.pages_text()[1])


def test_contents_numbers_match_chapter_pages(sample_pdf: BuiltPdf, repo_project: Project) -> None:
    pages = sample_pdf.pages_text()
    labels = page_labels(sample_pdf.path)
    first_list = next(i for i, t in enumerate(pages) if normalize(t).startswith("فهرست جدولها"))
    toc = toc_page_numbers(pages, range(2, first_list))
    edition = load_edition(repo_project, SAMPLE_REF)
    body = [s for kind, s in edition.sections.items() if kind not in FRONT_MATTER_KINDS | APPENDIX_KINDS]
    for number, section in enumerate(body, start=1):
        persian = str(number).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        title = normalize(section.title)
        entry = next(key for key in toc if key.endswith(title))
        opener = next(i for i, t in enumerate(pages) if i > first_list
                      and normalize(t).startswith(f"{persian} {title}"))  # fmt: skip
        assert toc[entry] == labels[opener], section.title
    assert len(toc) > 40  # chapters, sections and subsections


def test_outline(sample_pdf: BuiltPdf) -> None:
    titles = [normalize(t) for t in outline_titles(sample_pdf.path)]
    assert "فهرست مطالب" in titles
    assert sum(1 for t in titles if normalize("تجربهٔ شهر") in t) == len(CITIES)


def test_sample_editions_are_published_and_frozen(repo_project: Project, tmp_path: Path) -> None:
    import shutil

    from reportgen.build.pipeline import build_edition
    from reportgen.errors import EditionError

    for ref in (SAMPLE_REF, EditionRef("hamedan-strategic-plan", 1, 1)):
        entry = load_edition(repo_project, ref).entry
        assert entry.status.value == "published" and entry.published is not None
    copy = make_project(tmp_path, tmp_path / "content")
    shutil.copytree(repo_project.content, copy.content)
    glossary = copy.edition_dir("hamedan-strategic-plan", 1, 1) / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace("چشم‌انداز", "چشم انداز", 1), encoding="utf-8")
    with pytest.raises(EditionError, match=r"stage-1/edition-1/glossary.yaml \(changed\)"):
        build_edition(copy, EditionRef("hamedan-strategic-plan", 1, 1))


def test_first_edition_builds_with_its_history(repo_project: Project, tmp_path: Path) -> None:
    from reportgen.build.pipeline import build_edition

    first = BuiltPdf(build_edition(Project.at(REPO, tmp_path), EditionRef("hamedan-strategic-plan", 1, 1)))
    back = normalize(first.pages_text()[1])
    assert "ویرایش اول" in back and "۱۴۰۳/۰۷/۱۵" in back and "۱۴۰۳/۰۹/۲۰" not in back
    text = normalize(first.text())
    assert "تجربه شهر قزوین" not in text and "تجربه شهر شیراز" in text
