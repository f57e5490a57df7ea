"""Comparing editions: tokens, normalisation, item matching, and the JSON/text/HTML formats."""

from __future__ import annotations

import json
from dataclasses import replace

import arabic_reshaper
import jdatetime
import pytest
from bidi import get_display

from reportgen.compare.diff import (
    Change,
    EditionDiff,
    FieldChange,
    SectionChange,
    WordOp,
    diff_editions,
    diff_sections,
    normalise,
    tokenize,
    word_diff,
)
from reportgen.compare.formats import JSON_SCHEMA, to_json, to_text
from reportgen.compare.webpage import to_html
from reportgen.content.models import (
    Actor,
    Approaches,
    CaseStudies,
    CaseStudy,
    DataTheme,
    Engagement,
    Environment,
    Glossary,
    InfoTool,
    Lesson,
    Mechanism,
    Missions,
    PlanningModel,
    Principle,
    RoleRow,
    Section,
    Subsection,
    SynthesisPoint,
    Term,
    item_name,
)
from reportgen.editions.find import EditionRef, load_edition
from reportgen.editions.lifecycle import new_edition, publish_edition
from reportgen.paths import Project

from conftest import SAMPLE_REF
from schemas import assert_valid, schema_errors

FIRST = EditionRef("mini-city", 1, 1)
SECOND = EditionRef("mini-city", 1, 2)


# ---------------------------------------------------------------- helpers


def term(id: str, definition: str = "تعریف.", name: str | None = None) -> Term:
    return Term(id=id, term=name or f"واژهٔ {id}", english=id.title(), definition=definition)


def glossary(*terms: Term, title: str = "تعاریف", intro: str | None = None) -> Glossary:
    return Glossary(title=title, intro=intro, terms=terms)


def diff_of(old: Section, new: Section, kind: str = "glossary") -> EditionDiff:
    return diff_sections({kind: old}, {kind: new}, "old", "new")


def eq(text: str) -> WordOp:
    return WordOp("equal", text)


def ins(text: str) -> WordOp:
    return WordOp("insert", text)


def dele(text: str) -> WordOp:
    return WordOp("delete", text)


def bare(changes: tuple[Change, ...]) -> tuple[Change, ...]:
    """Changes with the fields of added and removed items left out (their whole text; tested apart)."""
    return tuple(replace(c, fields=()) if c.kind in ("added", "removed") else c for c in changes)


def changed(item_id: str, label: str, *fields: FieldChange, path: str = "terms", section: str = "glossary") -> Change:
    return Change("changed", section, path, item_id, label, fields)


def text_field(field: str, old: str, new: str, *words: WordOp, cosmetic: bool = False) -> FieldChange:
    return FieldChange(field, old, new, cosmetic, words)


# ---------------------------------------------------------------- tokens and words


def test_tokenize_keeps_zwnj_words_and_splits_punctuation() -> None:
    text = "این «چشم‌انداز» می‌شود، آیندهٔ  شهر؟ (۱۴۰۳): بله!\nپایان."
    assert tokenize(text) == [
        "این", " ", "«", "چشم\u200cانداز", "»", " ", "می\u200cشود", "،", " ", "آیندهٔ", "  ", "شهر", "؟",
        " ", "(", "۱۴۰۳", ")", ":", " ", "بله", "!", "\n", "پایان", ".",
    ]  # fmt: skip
    assert tokenize("می‌شود") == ["می\u200cشود"]
    assert tokenize("الف؛ب") == ["الف", "؛", "ب"]


@pytest.mark.parametrize(
    "text",
    ["", " ", "تصویری روشن از آیندهٔ مطلوب.", "مدل SWOT (2015–2025)،  \n\n  پایان؟", "a\u200c b\t\tc...", "«»؛:!"],
)
def test_tokens_rebuild_the_text(text: str) -> None:
    assert "".join(tokenize(text)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("علي", "علی"),
        ("كتاب", "کتاب"),
        ("مصطفى", "مصطفی"),
        ("سال ۱۴۰۳ و ٢٠٢٤", "سال 1403 و 2024"),
        ("می‌شود", "می شود"),
        ("  دو   فاصله\n\tو خط  ", "دو فاصله و خط"),
        ("بی‌\u200cتکرار", "بی تکرار"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_word_diff_on_words_keeps_runs() -> None:
    # diff-match-patch's semantic cleanup slides a lone insertion to start at a word (its space after it)
    assert word_diff("تصویری از آینده مطلوب.", "تصویری روشن و الهام‌بخش از آیندهٔ مطلوب شهر.") == [
        eq("تصویری "),
        ins("روشن و الهام\u200cبخش "),
        eq("از "),
        dele("آینده"),
        ins("آیندهٔ"),
        eq(" مطلوب"),
        ins(" شهر"),
        eq("."),
    ]


def test_word_diff_replace_is_delete_then_insert_and_merges() -> None:
    assert word_diff("الف ب ج", "الف د ه ج") == [eq("الف "), dele("ب"), ins("د ه"), eq(" ج")]
    assert word_diff("یک دو", "یک دو") == [eq("یک دو")]
    assert word_diff("", "تازه") == [ins("تازه")]
    assert word_diff("کهنه است", "") == [dele("کهنه است")]
    assert word_diff("", "") == []


# ---------------------------------------------------------------- items


def test_same_content_gives_an_empty_diff() -> None:
    section = glossary(term("vision"), term("mission"))
    diff = diff_of(section, glossary(term("vision"), term("mission")))
    assert diff == EditionDiff("old", "new", (), ())
    assert diff.is_empty and diff.counts() == {}


def test_added_removed_and_changed_items_in_reading_order() -> None:
    old = glossary(term("vision", "تصویری از آینده مطلوب."), term("mission"), term("goal"))
    new = glossary(term("vision", "تصویری روشن از آینده مطلوب."), term("plan"), term("goal"))
    diff = diff_of(old, new)
    assert diff.sections == ()
    assert bare(diff.changes) == (
        changed("vision", "واژهٔ vision", text_field(
            "definition", "تصویری از آینده مطلوب.", "تصویری روشن از آینده مطلوب.",
            eq("تصویری "), ins("روشن "), eq("از آینده مطلوب."),
        )),
        Change("removed", "glossary", "terms", "mission", "واژهٔ mission", old_position=1),
        Change("added", "glossary", "terms", "plan", "واژهٔ plan", new_position=1),
    )  # fmt: skip
    assert diff.counts() == {"glossary": {"added": 1, "removed": 1, "changed": 1, "moved": 0}}
    assert not diff.is_empty


def test_removed_first_item_comes_first() -> None:
    diff = diff_of(glossary(term("a"), term("b")), glossary(term("b")))
    assert bare(diff.changes) == (Change("removed", "glossary", "terms", "a", "واژهٔ a", old_position=0),)


def test_id_change_is_removed_plus_added() -> None:
    diff = diff_of(glossary(term("vision"), term("mission")), glossary(term("vision-2"), term("mission")))
    assert bare(diff.changes) == (
        Change("removed", "glossary", "terms", "vision", "واژهٔ vision", old_position=0),
        Change("added", "glossary", "terms", "vision-2", "واژهٔ vision-2", new_position=0),
    )


def test_moving_one_item_marks_only_that_item() -> None:
    old = glossary(term("a"), term("b"), term("c"), term("d"))
    diff = diff_of(old, glossary(term("d"), term("a"), term("b"), term("c")))
    assert bare(diff.changes) == (
        Change("moved", "glossary", "terms", "d", "واژهٔ d", old_position=3, new_position=0),
    )


def test_swapping_two_items_moves_one() -> None:
    diff = diff_of(glossary(term("a"), term("b")), glossary(term("b"), term("a")))
    assert bare(diff.changes) == (Change("moved", "glossary", "terms", "a", "واژهٔ a", old_position=0, new_position=1),)


def test_insertions_and_removals_alone_move_nothing() -> None:
    diff = diff_of(glossary(term("a"), term("b"), term("c")), glossary(term("x"), term("a"), term("c"), term("y")))
    assert [(c.kind, c.item_id) for c in diff.changes] == [
        ("added", "x"), ("removed", "b"), ("added", "y"),
    ]  # fmt: skip


def test_moved_and_edited_item_gives_both_changes() -> None:
    old = glossary(term("a"), term("b"), term("c", "قدیم"))
    diff = diff_of(old, glossary(term("c", "جدید"), term("a"), term("b")))
    assert bare(diff.changes) == (
        Change("moved", "glossary", "terms", "c", "واژهٔ c", old_position=2, new_position=0),
        changed("c", "واژهٔ c", text_field("definition", "قدیم", "جدید", dele("قدیم"), ins("جدید"))),
    )


def lesson(id: str, text: str = "درس.") -> Lesson:
    return Lesson(id=id, category="methodology", text=text)


def case(id: str, *lessons: Lesson, summary: str = "خلاصه.") -> CaseStudy:
    return CaseStudy(id=id, city=f"شهر {id}", country="ایران", scope="domestic", plan="برنامه", period="۱۴۰۰",
                     summary=summary, lessons=lessons)  # fmt: skip


def cases(*items: CaseStudy) -> CaseStudies:
    point = SynthesisPoint(id="s1", category="methodology", text="نکته.", sources=("tehran",))
    return CaseStudies(title="تجارب", cases=items, synthesis=(point,))


def test_lessons_moving_between_cities() -> None:
    old = cases(case("tehran", lesson("t1"), lesson("t2")), case("boston", lesson("b1", "درس بوستون.")))
    new = cases(case("tehran", lesson("t1"), lesson("b1", "درس تازهٔ بوستون.")), case("boston", lesson("t2")))
    diff = diff_of(old, new, "case-studies")
    b1, t2 = item_name(new.cases[0].lessons[1]), item_name(new.cases[1].lessons[0])
    assert bare(diff.changes) == (
        Change("moved", "case-studies", "cases[tehran].lessons", "b1", b1,
               old_list_path="cases[boston].lessons", old_position=0, new_position=1),
        changed("b1", b1, text_field("text", "درس بوستون.", "درس تازهٔ بوستون.",
                                       eq("درس "), ins("تازهٔ "), eq("بوستون.")),
                path="cases[tehran].lessons", section="case-studies"),
        Change("moved", "case-studies", "cases[boston].lessons", "t2", t2,
               old_list_path="cases[tehran].lessons", old_position=1, new_position=0),
    )  # fmt: skip
    assert diff.counts() == {"case-studies": {"added": 0, "removed": 0, "changed": 1, "moved": 2}}


def test_nested_items_are_not_fields_of_their_parent() -> None:
    old = cases(case("tehran", lesson("t1"), summary="خلاصه."))
    new = cases(case("tehran", lesson("t1"), lesson("t2"), summary="خلاصهٔ نو."))
    assert bare(diff_of(old, new, "case-studies").changes) == (
        changed("tehran", "شهر tehran", text_field("summary", "خلاصه.", "خلاصهٔ نو.",
                                                  dele("خلاصه"), ins("خلاصهٔ نو"), eq(".")),
                path="cases", section="case-studies"),
        Change("added", "case-studies", "cases[tehran].lessons", "t2", item_name(lesson("t2")), new_position=1),
    )  # fmt: skip


def test_removed_parent_removes_its_children_at_their_place() -> None:
    old = cases(case("tehran", lesson("t1")), case("boston", lesson("b1")), case("qom", lesson("q1")))
    new = cases(case("tehran", lesson("t1")), case("qom", lesson("q1")))
    assert [(c.kind, c.list_path, c.item_id, c.old_position) for c in diff_of(old, new, "case-studies").changes] == [
        ("removed", "cases", "boston", 1), ("removed", "cases[boston].lessons", "b1", 0),
    ]  # fmt: skip


def test_same_id_in_two_lists_of_a_section_matches_within_its_list() -> None:
    def missions(values: tuple[Principle, ...]) -> Missions:
        principle = Principle(id="p1", title="مشارکت", text="متن.")
        return Missions(title="مأموریت‌ها", missions=(principle,), values=values, capacity=(principle,),
                        engagement=(Engagement(id="e1", actor_group="شهروندان", ways=("نشست",)),))  # fmt: skip

    old = missions((Principle(id="p1", title="شفافیت", text="متن."),))
    new = missions((Principle(id="p1", title="شفافیت", text="متن تازه."),))
    assert bare(diff_of(old, new, "missions").changes) == (
        changed("p1", "شفافیت", text_field("text", "متن.", "متن تازه.", eq("متن"), ins(" تازه"), eq(".")),
                path="values", section="missions"),
    )  # fmt: skip


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("تعریف علي", "تعریف علی", (eq("تعریف "), dele("علي"), ins("علی"))),
        ("كار", "کار", (dele("كار"), ins("کار"))),
        ("سال ۱۴۰۳", "سال 1403", (eq("سال "), dele("۱۴۰۳"), ins("1403"))),
        ("سال ١٤٠٣", "سال ۱۴۰۳", (eq("سال "), dele("١٤٠٣"), ins("۱۴۰۳"))),
        ("می‌شود", "می شود", (dele("می\u200cشود"), ins("می شود"))),
        ("دو  فاصله", "دو فاصله", (eq("دو"), dele("  "), ins(" "), eq("فاصله"))),
        ("پایان. ", "پایان.", (eq("پایان."), dele(" "))),
    ],
)
def test_normalisation_only_changes(old: str, new: str, words: tuple[WordOp, ...]) -> None:
    diff = diff_of(glossary(term("vision", old)), glossary(term("vision", new)))
    assert bare(diff.changes) == (
        changed("vision", "واژهٔ vision", text_field("definition", old, new, *words, cosmetic=True)),
    )


def test_a_real_change_is_not_normalisation_only() -> None:
    (change,) = diff_of(glossary(term("v", "علي آمد")), glossary(term("v", "علی رفت"))).changes
    assert change.fields[0].normalisation_only is False


def model(strengths: tuple[str, ...]) -> PlanningModel:
    return PlanningModel(id="harvard", name="مدل هاروارد", description="توصیف.", strengths=strengths, limits=("کلی",))


def test_string_lists_are_compared_as_lines() -> None:
    field = FieldChange("strengths", "سادگی\nروشنی", "سادگی\nدقت", False, (eq("سادگی\n"), dele("روشنی"), ins("دقت")))
    assert diff_sections({"approaches": _approaches(model(("سادگی", "روشنی")))},
                         {"approaches": _approaches(model(("سادگی", "دقت")))}).changes == (
        Change("changed", "approaches", "models", "harvard", "مدل هاروارد", (field,)),
    )  # fmt: skip
    split = diff_sections({"approaches": _approaches(model(("سادگی روشنی",)))},
                          {"approaches": _approaches(model(("سادگی", "روشنی")))})  # fmt: skip
    assert split.changes[0].fields[0].normalisation_only is False  # a new line is a new list entry
    cosmetic = diff_sections({"approaches": _approaches(model(("سادگي", "روشنی")))},
                             {"approaches": _approaches(model(("سادگی", "روشنی")))})  # fmt: skip
    assert cosmetic.changes[0].fields[0].normalisation_only is True


def _approaches(planning_model: PlanningModel) -> Section:
    return Approaches(title="رویکردها", models=(planning_model,))


# ---------------------------------------------------------------- table rows


def environment(roles: dict[str, str], cycle: str, functions: tuple[str, ...], kind: str) -> Environment:
    return Environment(
        title="تدارک محیط",
        actors=(Actor(id="council", name="شورا", kind=kind, group="نهادها", role="تصویب."),),
        roles=(RoleRow(id="r1", actor="council", roles=roles),),
        mechanisms=(Mechanism(id="m1", title="نشست", description="شرح."),),
        info_tools=(InfoTool(id="site", title="پایگاه", functions=functions, description="انتشار."),),
        database=(DataTheme(id="d1", theme="جمعیت", items=("جمعیت محلات",), sources=("مرکز آمار",),
                            custodian="شهرداری", update_cycle=cycle),),
    )  # fmt: skip


def test_table_rows_enums_and_mappings() -> None:
    old = environment({"s1": "inform", "s2": "approve"}, "سالانه", ("present", "receive"), "mandatory")
    new = environment({"s2": "approve", "s1": "consult"}, "هر شش ماه", ("present",), "optional")
    diff = diff_of(old, new, "environment")
    assert bare(diff.changes) == (
        changed("council", "شورا", FieldChange("kind", "mandatory", "optional", False, ()),
                path="actors", section="environment"),
        changed("r1", "شورا", FieldChange("roles.s1", "inform", "consult", False, ()),
                path="roles", section="environment"),
        changed("site", "پایگاه", FieldChange("functions", '["present", "receive"]', '["present"]', False, ()),
                path="info_tools", section="environment"),
        changed("d1", "جمعیت", text_field("update_cycle", "سالانه", "هر شش ماه", dele("سالانه"), ins("هر شش ماه")),
                path="database", section="environment"),
    )  # fmt: skip


def test_mapping_order_alone_is_no_change() -> None:
    old = environment({"s1": "inform", "s2": "approve"}, "سالانه", ("present",), "mandatory")
    new = environment({"s2": "approve", "s1": "inform"}, "سالانه", ("present",), "mandatory")
    assert diff_of(old, new, "environment").is_empty


# ---------------------------------------------------------------- sections


def test_section_fields_and_whole_sections() -> None:
    missions = Missions(
        title="مأموریت‌ها",
        missions=(Principle(id="m1", title="مشارکت", text="متن."),),
        values=(Principle(id="v1", title="شفافیت", text="متن."),),
        capacity=(Principle(id="c1", title="آموزش", text="متن."),),
        engagement=(Engagement(id="e1", actor_group="شهروندان", ways=("نشست",)),),
    )
    old: dict[str, Section] = {"missions": missions, "glossary": glossary(term("a"), title="تعریف‌ها")}
    new: dict[str, Section] = {
        "glossary": glossary(term("a"), intro="مقدمه."),
        "case-studies": cases(case("q", lesson("q1"))),
    }
    diff = diff_sections(old, new, "e1", "e2")
    assert diff.sections == (
        SectionChange("changed", "glossary", (
            text_field("title", "تعریف‌ها", "تعاریف", dele("تعریف\u200cها"), ins("تعاریف")),
            FieldChange("intro", None, "مقدمه.", False, (ins("مقدمه."),)),
        )),
        SectionChange("added", "case-studies", (FieldChange("title", None, "تجارب", False, (ins("تجارب"),)),)),
        SectionChange("removed", "missions", (FieldChange("title", "مأموریت‌ها", None, False, (dele("مأموریت‌ها"),)),)),
    )  # fmt: skip
    assert [(c.kind, c.section, c.list_path, c.item_id) for c in diff.changes] == [
        ("added", "case-studies", "cases", "q"),
        ("added", "case-studies", "cases[q].lessons", "q1"),
        ("added", "case-studies", "synthesis", "s1"),
        ("removed", "missions", "missions", "m1"),
        ("removed", "missions", "values", "v1"),
        ("removed", "missions", "capacity", "c1"),
        ("removed", "missions", "engagement", "e1"),
    ]
    assert diff.counts() == {
        "glossary": {"added": 0, "removed": 0, "changed": 2, "moved": 0},
        "case-studies": {"added": 3, "removed": 0, "changed": 0, "moved": 0},
        "missions": {"added": 0, "removed": 4, "changed": 0, "moved": 0},
    }


# ---------------------------------------------------------------- real editions


def _edit(project: Project, name: str, old: str, new: str) -> None:
    path = project.edition_dir("mini-city", 1, 2) / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


T2 = """      - id: t2
        category: budget
        text: درس بودجه‌ای تهران.
"""


@pytest.fixture
def revised(mini_project: Project) -> EditionDiff:
    """Edition 1 published, edition 2 started and revised; their diff."""
    publish_edition(mini_project, FIRST)
    new_edition(mini_project, "mini-city", 1, jdatetime.date(1403, 4, 1))
    _edit(mini_project, "glossary.yaml", "تصویری از آینده مطلوب.", "تصویری روشن از آیندهٔ مطلوب.")
    _edit(mini_project, "glossary.yaml", "term: مأموریت", "term: مأموريت")
    plan = "  - id: plan\n    term: برنامه\n    english: Plan\n    definition: نقشهٔ رسیدن به هدف.\n"
    _edit(mini_project, "glossary.yaml", "  - id: mission", plan + "  - id: mission")
    _edit(mini_project, "case-studies.yaml", T2, "")
    _edit(mini_project, "case-studies.yaml", "        text: درس چشم‌اندازسازی بوستون.\n",
          "        text: درس چشم‌اندازسازی بوستون.\n" + T2)  # fmt: skip
    _edit(mini_project, "environment.yaml", "roles: {s1: inform, s2: approve}", "roles: {s1: consult, s2: approve}")
    _edit(mini_project, "environment.yaml", "update_cycle: سالانه", "update_cycle: ماهانه")
    _edit(mini_project, "roadmap.yaml", "title: نقشهٔ راه", "title: نقشه راه")
    return diff_editions(load_edition(mini_project, FIRST), load_edition(mini_project, SECOND))


def test_diff_of_two_real_editions(revised: EditionDiff) -> None:
    assert (revised.old_label, revised.new_label) == ("stage 1 edition 1", "stage 1 edition 2")
    assert revised.sections == (
        SectionChange("changed", "roadmap", (
            text_field("title", "نقشهٔ راه", "نقشه راه", dele("نقشهٔ"), ins("نقشه"), eq(" راه")),
        )),
    )  # fmt: skip
    assert bare(revised.changes) == (
        changed("vision", "چشم‌انداز", text_field(
            "definition", "تصویری از آینده مطلوب.", "تصویری روشن از آیندهٔ مطلوب.",
            eq("تصویری "), ins("روشن "), eq("از "), dele("آینده"), ins("آیندهٔ"), eq(" مطلوب."),
        )),
        Change("added", "glossary", "terms", "plan", "برنامه", new_position=1),
        changed("mission", "مأموريت", text_field("term", "مأموریت", "مأموريت", dele("مأموریت"), ins("مأموريت"),
                                                cosmetic=True)),
        Change("moved", "case-studies", "cases[boston].lessons", "t2", item_name(lesson("t2", "درس بودجه‌ای تهران.")),
               old_list_path="cases[tehran].lessons", old_position=1, new_position=1),
        changed("r1", "شورای اسلامی شهر", FieldChange("roles.s1", "inform", "consult", False, ()),
                path="roles", section="environment"),
        changed("d1", "جمعیت", text_field("update_cycle", "سالانه", "ماهانه", dele("سالانه"), ins("ماهانه")),
                path="database", section="environment"),
    )  # fmt: skip
    assert revised.counts() == {
        "glossary": {"added": 1, "removed": 0, "changed": 2, "moved": 0},
        "case-studies": {"added": 0, "removed": 0, "changed": 0, "moved": 1},
        "roadmap": {"added": 0, "removed": 0, "changed": 1, "moved": 0},  # its title
        "environment": {"added": 0, "removed": 0, "changed": 2, "moved": 0},
    }


def test_same_edition_twice_is_empty(repo_project: Project, mini_project: Project) -> None:
    sample = load_edition(repo_project, SAMPLE_REF)
    assert diff_editions(sample, sample).is_empty
    assert diff_editions(load_edition(mini_project, FIRST), load_edition(mini_project, FIRST)).is_empty


# ---------------------------------------------------------------- JSON

def test_json_follows_its_schema(revised: EditionDiff) -> None:
    text = to_json(revised)
    data = json.loads(text)
    assert_valid(data, JSON_SCHEMA)
    assert_valid(json.loads(to_json(EditionDiff("a", "b", (), ()))), JSON_SCHEMA)
    assert text == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert "مأموريت" in text and "\\u" not in text
    assert (data["schema"], data["from"], data["to"]) == ("reportgen-diff/2", "stage 1 edition 1", "stage 1 edition 2")
    assert data["summary"]["case-studies"] == {"added": 0, "removed": 0, "changed": 0, "moved": 1}
    assert data["sections"][0]["section"] == "roadmap"
    assert data["changes"][0] == {
        "kind": "changed", "section": "glossary", "list_path": "terms", "item_id": "vision", "label": "چشم‌انداز",
        "old_list_path": None, "old_position": None, "new_position": None,
        "fields": [{
            "field": "definition", "old": "تصویری از آینده مطلوب.", "new": "تصویری روشن از آیندهٔ مطلوب.",
            "normalisation_only": False,
            "words": [{"op": "equal", "text": "تصویری "}, {"op": "insert", "text": "روشن "},
                      {"op": "equal", "text": "از "}, {"op": "delete", "text": "آینده"},
                      {"op": "insert", "text": "آیندهٔ"}, {"op": "equal", "text": " مطلوب."}],
        }],
    }  # fmt: skip
    assert data["changes"][3]["old_list_path"] == "cases[tehran].lessons"


def test_the_schema_checker_catches_mistakes() -> None:
    data = json.loads(to_json(EditionDiff("a", "b", (), ())))
    for broken in ({**data, "schema": "other"}, {k: v for k, v in data.items() if k != "to"}, {**data, "x": 1},
                   {**data, "changes": [{"kind": "renamed"}]}):  # fmt: skip
        assert schema_errors(broken, JSON_SCHEMA)


# ---------------------------------------------------------------- text and HTML


def small_diff() -> EditionDiff:
    old = glossary(term("vision", "تصویری", "چشم‌انداز"), term("goal", "هدف", "هدف"))
    new = glossary(term("vision", "تصویری روشن", "چشم‌انداز"), term("goal", "هدف", "هدف"), intro="مقدمه")
    return diff_of(old, new)


def test_text_logical() -> None:
    assert to_text(small_diff()) == (
        "reportgen diff: old -> new\n"
        "  glossary (تعاریف): section changed, 2 changed\n"
        "\n"
        "~ glossary  [متن فصل تغییریافته] تعاریف\n"
        "    intro: {+مقدمه+}\n"
        "~ glossary/vision  [تغییریافته] چشم‌انداز\n"
        "    definition: تصویری{+ روشن+}\n"
    )
    assert to_text(EditionDiff("e1", "e2", (), ())) == "reportgen diff: e1 -> e2\nno changes\n"


def test_text_moves_and_normalisation() -> None:
    diff = diff_of(glossary(term("a", "علي"), term("b")), glossary(term("b"), term("a", "علی")))
    assert to_text(diff).split("\n\n")[1] == (
        "> glossary/a  [جابه‌جاشده] واژهٔ a  (terms#0 -> terms#1)\n"
        "~ glossary/a  [تغییریافته] واژهٔ a\n"
        "    definition (تغییر نگارشی): [-علي-]{+علی+}\n"
    )


def test_text_visual_is_shaped_reordered_and_right_aligned() -> None:
    def visual(text: str) -> str:
        reshaper = arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})
        return str(get_display(reshaper.reshape(text), base_dir="R"))

    lines = to_text(small_diff(), bidi="visual", columns=60).split("\n")
    assert lines[1] == f"  glossary ({visual('تعاریف')}): section changed, 2 changed"
    assert lines[5] == f"~ glossary/vision  [{visual('تغییریافته')}] {visual('چشم‌انداز')}"
    # the field's row ends at the right edge; the inserted run keeps its brackets
    assert lines[6].startswith("    definition: ") and len(lines[6]) == 60
    assert lines[6].endswith(visual("تصویری")) and "{+" in lines[6] and "+}" in lines[6]
    shaped = visual("تصویری")  # presentation forms, last letter first
    assert shaped != "تصویری" and all("\ufb50" <= c <= "\ufeff" for c in shaped) and shaped[0] == "\ufbfc"


def test_text_colour_keeps_brackets() -> None:
    text = to_text(small_diff(), colour=True)
    assert "    definition: تصویری\x1b[32m{+ روشن+}\x1b[0m\n" in text
    removed = to_text(diff_of(glossary(term("a", "کهنه نو")), glossary(term("a", "نو"))), colour=True)
    assert "    definition: \x1b[31m[-کهنه -]\x1b[0mنو\n" in removed
    visual = to_text(small_diff(), bidi="visual", colour=True)
    assert visual.count("\x1b[32m{+") == 2 and visual.count("+}\x1b[0m") == 2


def test_html_page(revised: EditionDiff) -> None:
    page = to_html(revised)
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"fa\" dir=\"rtl\">")
    assert "<style>" in page and "<link" not in page and "src=" not in page and "url(" not in page
    assert "<p>تصویری <ins>روشن </ins>از <del>آینده</del> <ins>آیندهٔ</ins> مطلوب.</p>" in page
    assert '<div class="field normalisation"><span class="tag">تغییر نگارشی</span>' in page
    assert "<del>اطلاع</del> <ins>مشورت</ins>" in page  # a matrix cell, by its Persian value
    assert "stage" not in page.split("<main>")[1] and "definition" not in page  # Persian labels only
    assert page.count('<section class="change') == len(revised.changes) + len(revised.sections)


def test_html_page_embeds_fonts() -> None:
    page = to_html(small_diff(), fonts=[(400, b"font-bytes")])
    assert "src: url(data:font/ttf;base64,Zm9udC1ieXRlcw==)" in page and "font-family: Vazirmatn" in page


def test_html_escapes_content() -> None:
    diff = diff_of(glossary(term("a", "متن")), glossary(term("a", "متن <script>x</script> & «نقل»")))
    page = to_html(diff)
    assert "<script>" not in page
    assert "&lt;<bdi dir=\"ltr\">script&gt;x&lt;/script</bdi>&gt;" in page and "&amp; «نقل»</ins>" in page


def test_an_empty_item_list_is_a_list_not_a_field() -> None:
    harvard = model(("سادگی",))
    old = Approaches(title="رویکردها", models=(harvard,))
    subsection = Subsection(id="p", title="مشارکتی", body="متن.")
    new = Approaches(title="رویکردها", approaches=(subsection,), models=(harvard,))
    assert bare(diff_sections({"approaches": old}, {"approaches": new}).changes) == (
        Change("added", "approaches", "approaches", "p", "مشارکتی", new_position=0),
    )
    assert diff_sections({"approaches": new}, {"approaches": old}).sections == ()
