"""Validation: every problem at once, each as file:line:column: field: message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reportgen.editions.find import EditionRef, find_editions, load_edition
from reportgen.errors import ContentError, NotFoundError
from reportgen.paths import Project

MINI = EditionRef("mini-city", 1, 1)
Edit = Callable[[str, str, str], Path]


def problems(project: Project) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_edition(project, MINI)
    root = str(project.content) + "/"
    return [str(problem).replace(root, "") for problem in caught.value.problems]


def test_fixture_is_valid(mini_project: Project) -> None:
    edition = load_edition(mini_project, MINI)
    assert list(edition.sections) == [
        "introduction", "approaches", "glossary", "case-studies", "upstream",
        "roadmap", "training", "environment", "missions",
    ]  # fmt: skip
    assert edition.entry.number == 1


def test_every_problem_is_reported_at_once(mini_project: Project, edit_yaml: Edit) -> None:
    edit_yaml("glossary.yaml", "    english: Vision\n", "    english: Vision\n    colour: red\n")
    edit_yaml("glossary.yaml", "    term: مأموریت\n", "")
    edit_yaml("case-studies.yaml", "category: budget", "category: money")
    edit_yaml("upstream.yaml", "year: 1334", "year: سال")
    edit_yaml("roadmap.yaml", "duration_months: 4", "duration_months: 0")
    assert problems(mini_project) == [
        "mini-city/stage-1/edition-1/case-studies.yaml:15:9: cases[0].lessons[1].category: "
        "must be one of 'methodology', 'visioning', 'operationalisation', 'budget', 'monitoring' or 'other'",
        "mini-city/stage-1/edition-1/glossary.yaml:6:5: terms[0].colour: unknown field",
        "mini-city/stage-1/edition-1/glossary.yaml:8:5: terms[1].term: required field is missing",
        "mini-city/stage-1/edition-1/roadmap.yaml:18:5: stages[1].duration_months: must be at least 1",
        "mini-city/stage-1/edition-1/upstream.yaml:8:5: documents[0].year: must be a whole number, e.g. 1402",
    ]


def test_cross_file_references(mini_project: Project, edit_yaml: Edit) -> None:
    edit_yaml("training.yaml", "stage: s1", "stage: s9")
    edit_yaml("environment.yaml", "roles: {s1: inform, s2: approve}", "roles: {s1: inform, s3: approve}")
    assert problems(mini_project) == [
        "mini-city/stage-1/edition-1/environment.yaml:16:25: roles[0].roles.s3: "
        "unknown roadmap stage 's3' (known: s1, s2)",
        "mini-city/stage-1/edition-1/training.yaml:5:5: workshops[0].stage: "
        "unknown roadmap stage 's9' (known: s1, s2)",
    ]


def test_duplicate_ids_and_unknown_references(mini_project: Project, edit_yaml: Edit) -> None:
    edit_yaml("glossary.yaml", "id: mission", "id: vision")
    edit_yaml("case-studies.yaml", "sources: [tehran, boston]", "sources: [tehran, paris]")
    assert problems(mini_project) == [
        "mini-city/stage-1/edition-1/case-studies.yaml:34:23: synthesis[0].sources[1]: "
        "unknown case study 'paris' (known: boston, tehran)",
        "mini-city/stage-1/edition-1/glossary.yaml:7:5: terms[1].id: duplicate id 'vision' in this list",
    ]


def test_yaml_surprises_are_not_coerced(mini_project: Project, edit_yaml: Edit) -> None:
    # "NO" stays the text "NO"; a number where text is wanted is still text.
    edit_yaml("glossary.yaml", "english: Vision", "english: NO")
    edit_yaml("glossary.yaml", "english: Mission", "english: 01234")
    terms = load_edition(mini_project, MINI).sections["glossary"].terms  # type: ignore[attr-defined]
    assert [term.english for term in terms] == ["NO", "01234"]


def test_unsafe_link_and_empty_text(mini_project: Project, edit_yaml: Edit) -> None:
    edit_yaml("missions.yaml", "text: متن مأموریت.", "text: '[x](file:///etc/passwd)'")
    edit_yaml("missions.yaml", "text: متن ارزش.", "text: '  '")
    assert problems(mini_project) == [
        "mini-city/stage-1/edition-1/missions.yaml:5:5: missions[0].text: "
        "link 'file:///etc/passwd' is not allowed (only https://, mailto: and #anchor links)",
        "mini-city/stage-1/edition-1/missions.yaml:9:5: values[0].text: must not be empty",
    ]


def test_unknown_section_file(mini_project: Project) -> None:
    (mini_project.edition_dir("mini-city", 1, 1) / "glosary.yaml").write_text("title: x\n")
    [message] = problems(mini_project)
    assert message.startswith("mini-city/stage-1/edition-1/glosary.yaml: unknown section file; expected one of:")


def test_invalid_jalali_date_in_manifest(mini_project: Project, edit_yaml: Edit) -> None:
    edit_yaml("stage.yaml", "date: 1403/02/15", "date: 1403/13/40")
    assert problems(mini_project) == [
        "mini-city/stage-1/stage.yaml:5:5: editions[0].date: '1403/13/40' is not a valid Jalali date",
    ]


def test_manifest_and_folders_must_agree(mini_project: Project) -> None:
    (mini_project.stage_dir("mini-city", 1) / "edition-2").mkdir()
    with pytest.raises(ContentError, match="folder edition-2/ is not listed in the manifest"):
        find_editions(mini_project)


def test_not_found(mini_project: Project) -> None:
    with pytest.raises(NotFoundError, match="no report 'paris'"):
        find_editions(mini_project, "paris")
    with pytest.raises(NotFoundError, match=r"no edition 7 of stage 1 in report 'mini-city' \(editions: 1\)"):
        find_editions(mini_project, "mini-city", 1, 7)
    with pytest.raises(NotFoundError, match="no stage 3"):
        find_editions(mini_project, "mini-city", 3)


def test_numbers_in_persian_digits_are_read_in_every_numeric_field(mini_project: Project, edit_yaml: Edit) -> None:
    edit_yaml("upstream.yaml", "year: 1334", "year: ۱۳۳۴")
    edit_yaml("roadmap.yaml", "duration_months: 4", "duration_months: ٤")
    edition = load_edition(mini_project, MINI)
    assert edition.sections["upstream"].documents[0].year == 1334  # type: ignore[attr-defined]
    assert any(stage.duration_months == 4 for stage in edition.sections["roadmap"].stages)  # type: ignore[attr-defined]


def test_a_misspelt_optional_field_suggests_the_nearest(mini_project: Project, edit_yaml: Edit) -> None:
    edit_yaml("upstream.yaml", "    status: approved\n", "    statsu: approved\n")
    assert [p for p in problems(mini_project) if "statsu" in p] == [
        "mini-city/stage-1/edition-1/upstream.yaml:9:5: documents[0].statsu: unknown field: did you mean 'status'?"]
