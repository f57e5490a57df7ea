"""The domain: a report, its stages and editions, and one model per section kind.

Models are frozen pydantic models that reject unknown keys. They do no I/O:
``validate.py`` builds them from loaded YAML and turns pydantic's errors into
``file:line:column: field.path: message`` lines.

Every list item carries an ``id`` unique within its list, so that editions can
be compared item by item. Rich-text fields (``RichText``) hold a safe Markdown
subset: paragraphs, lists, emphasis, links (https, mailto, #anchor) and
footnotes; raw HTML is not interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from enum import StrEnum
from functools import cache
from typing import Annotated, ClassVar, Protocol, get_args

import jdatetime
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from reportgen.content.labels import Labels, default_labels
from reportgen.errors import Problem
from reportgen.text.markdown import check_markdown
from reportgen.text.persian import parse_jalali_date, to_latin_digits

# ---------------------------------------------------------------- basic types

ItemId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64),
    Field(description="Stable identifier: lower-case ASCII letters, digits and '-'."),
]
"""An item's stable identifier, used to match items across editions."""


def _check_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


class _Prose:
    """Marks the text types a reader reads (as opposed to ids, enums and references)."""


PROSE = _Prose()

Text = Annotated[str, AfterValidator(_check_text), PROSE]
"""A single line or short passage of plain text (no Markdown)."""

RichText = Annotated[str, AfterValidator(_check_text), AfterValidator(check_markdown), PROSE]
"""A passage in the safe Markdown subset."""

JalaliDate = Annotated[jdatetime.date, PlainValidator(parse_jalali_date), WithJsonSchema({
    "type": "string", "pattern": "^[0-9۰-۹]{4}/[0-9۰-۹]{1,2}/[0-9۰-۹]{1,2}$",
    "description": "Solar Hijri date YYYY/MM/DD, e.g. 1403/07/15"})]  # fmt: skip
"""A Solar Hijri date written ``YYYY/MM/DD`` (Latin or Persian digits)."""

JalaliYear = Annotated[int, Field(ge=1200, le=1500)]
"""A Solar Hijri year, e.g. 1402."""


class Model(BaseModel):
    """Base of every model: frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True,
                              use_attribute_docstrings=True)  # docstrings describe fields in the JSON Schema

    @model_validator(mode="before")
    @classmethod
    def _numbers_in_any_digits(cls, data: object) -> object:
        # A Persian writer types «۱۳۹۵»: every numeric field reads Persian and Arabic-Indic digits
        # (and «٫» as the decimal separator), as dates already do.
        if not isinstance(data, dict):
            return data
        numeric = _numeric_fields(cls)
        return {key: _latin_number(value) if key in numeric and isinstance(value, str) else value
                for key, value in data.items()}  # fmt: skip


@cache
def _numeric_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(name for name, field in model.model_fields.items() if _is_number(field.annotation))


def _is_number(annotation: object) -> bool:
    if annotation in (int, float):
        return True
    return any(_is_number(arg) for arg in get_args(annotation) if arg is not type(None))


def _latin_number(text: str) -> str:
    return to_latin_digits(text).replace("٫", ".")


class HasId(Protocol):
    @property
    def id(self) -> str: ...


def _unique_ids(items: Sequence[HasId]) -> Sequence[HasId]:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"duplicate id '{item.id}' in this list")
        seen.add(item.id)
    return items


def _non_empty(items: Sequence[object]) -> Sequence[object]:
    if not items:
        raise ValueError("must have at least one item")
    return items


UniqueIds = AfterValidator(_unique_ids)
NonEmpty = AfterValidator(_non_empty)
TextList = Annotated[tuple[Text, ...], NonEmpty]


class Item(Model):
    """A list item with a stable id."""

    id: ItemId


# ---------------------------------------------------------------- report, stage


class Report(Model):
    """``content/<report>/report.yaml``: the plan as a whole."""

    title: Text
    """Full title of the plan."""
    city: Text
    """The city the plan is for."""
    client: Text
    """The commissioning body (the employer, «کارفرما»)."""
    consultant: Text
    """The consultant preparing the plan («مشاور»)."""
    notice: RichText | None = None
    """Printed on the back of the title page (e.g. that the content is illustrative)."""
    keywords: tuple[Text, ...] = ()
    """PDF keywords."""


class EditionStatus(StrEnum):
    draft = "draft"
    published = "published"


Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Publication(Model):
    """What was published: written by ``reportgen edition publish``, never by hand."""

    content_hash: Sha256
    """Hash over every input file of the edition (see ``freeze.py``)."""
    files: dict[str, Sha256]
    """Each input file (relative to the report folder) → its own hash."""


class EditionEntry(Model):
    """One row of a stage's edition manifest."""

    number: Annotated[int, Field(ge=1, le=99)]
    """Edition number: 1 for «ویرایش اول», 2 for «ویرایش دوم» …"""
    date: JalaliDate
    """Jalali date of the edition."""
    status: EditionStatus = EditionStatus.draft
    summary: Text
    """What this edition changed, in a sentence or two."""
    published: Publication | None = None
    """Set when the edition is published; its content is frozen from then on."""

    @model_validator(mode="after")
    def _published_has_record(self) -> EditionEntry:
        if (self.status is EditionStatus.published) != (self.published is not None):
            raise ValueError(
                "status 'published' and the 'published' record go together: "
                "use 'reportgen edition publish' rather than editing them by hand"
            )
        return self


class Stage(Model):
    """``content/<report>/stage-<n>/stage.yaml``: one stage of the work."""

    number: Annotated[int, Field(ge=1, le=99)]
    title: Text
    """Title of the stage report, e.g. «مطالعات پایه و تدارک محیط برنامه»."""
    editions: Annotated[tuple[EditionEntry, ...], NonEmpty]
    """The edition manifest, oldest first."""
    label: Text | None = None
    """What the cover, footer and metadata call this report instead of «گزارش مرحلهٔ اول» (e.g. «گزارش سالانه»)."""
    notice: RichText | None = None
    """Printed on the back of the title page instead of the report's notice (e.g. that this stage's figures
    are illustrative)."""

    # Ordering rules (unique numbers, ascending, dates never going back) are
    # checked in validate.py, where each problem can point at its entry.


# ---------------------------------------------------------------- section kinds


class Section(Model):
    """Fields every section file shares."""

    title: Text
    """Chapter title."""
    intro: RichText | None = None
    """Opening paragraphs of the chapter."""


class Introduction(Section):
    """``introduction.yaml``: the front-matter introduction («پیشگفتار»)."""

    body: RichText


class PlanningModel(Item):
    name: Text
    name_en: Text | None = None
    """English or original name, shown isolated in Latin script."""
    origin: Text | None = None
    """Where or by whom the model was developed."""
    description: RichText
    strengths: TextList
    limits: TextList


class Approaches(Section):
    """``approaches.yaml``: approaches and models of strategic planning."""

    approaches: Annotated[tuple[Subsection, ...], UniqueIds] = ()
    """General approaches, each a titled passage."""
    models: Annotated[tuple[PlanningModel, ...], NonEmpty, UniqueIds]
    conclusion: RichText | None = None
    """The model chosen for this plan and why."""


class Subsection(Item):
    """A titled passage."""

    title: Text
    body: RichText


class Term(Item):
    term: Text
    english: Text
    definition: RichText


class Glossary(Section):
    """``glossary.yaml``: definitions of the plan's terms."""

    terms: Annotated[tuple[Term, ...], NonEmpty, UniqueIds]


class LessonCategory(StrEnum):
    methodology = "methodology"
    visioning = "visioning"
    operationalisation = "operationalisation"
    budget = "budget"
    monitoring = "monitoring"
    other = "other"


class Scope(StrEnum):
    domestic = "domestic"
    foreign = "foreign"


class Lesson(Item):
    category: LessonCategory
    text: Text


class CaseStudy(Item):
    city: Text
    city_en: Text | None = None
    country: Text
    scope: Scope
    plan: Text
    """The plan studied."""
    plan_en: Text | None = None
    period: Text
    """The period the plan covers, e.g. «۱۳۹۸–۱۴۰۲» or «2015–2025»."""
    summary: RichText
    lessons: Annotated[tuple[Lesson, ...], NonEmpty, UniqueIds]


class SynthesisPoint(Item):
    """A lesson usable in this plan, drawn from one or more case studies."""

    category: LessonCategory
    text: Text
    sources: Annotated[tuple[ItemId, ...], NonEmpty]
    """Ids of the case studies it draws on (checked in ``validate.py``)."""


class CaseStudies(Section):
    """``case-studies.yaml``: domestic and foreign experiences."""

    cases: Annotated[tuple[CaseStudy, ...], NonEmpty, UniqueIds]
    synthesis_intro: RichText | None = None
    synthesis: Annotated[tuple[SynthesisPoint, ...], NonEmpty, UniqueIds]



class Level(StrEnum):
    national = "national"
    provincial = "provincial"
    local = "local"


class DocumentType(StrEnum):
    law = "law"
    regulation = "regulation"
    directive = "directive"
    plan = "plan"
    policy = "policy"


class DocumentStatus(StrEnum):
    approved = "approved"
    in_preparation = "in-preparation"


class UpstreamDocument(Item):
    title: Text
    level: Level
    type: DocumentType
    issuer: Text
    year: JalaliYear | None = None
    """Jalali year of approval; may be absent for a document in preparation."""
    status: DocumentStatus
    orientations: TextList
    """What the document implies for the city's development."""

    @model_validator(mode="after")
    def _approved_has_year(self) -> UpstreamDocument:
        if self.status is DocumentStatus.approved and self.year is None:
            raise ValueError("an approved document needs a year")
        return self


class Upstream(Section):
    """``upstream.yaml``: upstream laws, regulations and plans."""

    documents: Annotated[tuple[UpstreamDocument, ...], NonEmpty, UniqueIds]
    conclusion: RichText | None = None


class RoadmapStage(Item):
    title: Text
    description: RichText
    tools: TextList
    participants: TextList
    deliverables: TextList
    start_month: Annotated[int, Field(ge=1, le=120)]
    """Month of the work in which the stage starts (1 = first month)."""
    duration_months: Annotated[int, Field(ge=1, le=120)]


class Roadmap(Section):
    """``roadmap.yaml``: the stages of the work."""

    stages: Annotated[tuple[RoadmapStage, ...], NonEmpty, UniqueIds]


class TrainingFormat(StrEnum):
    workshop = "workshop"
    session = "session"
    course = "course"
    visit = "visit"
    webinar = "webinar"


class Workshop(Item):
    title: Text
    stage: ItemId
    """Id of the roadmap stage the workshop belongs to."""
    format: TrainingFormat
    target_groups: TextList
    topics: TextList
    duration: Text
    """E.g. «یک روز (۶ ساعت)»."""


class Training(Section):
    """``training.yaml``: workshops and sessions per stage."""

    workshops: Annotated[tuple[Workshop, ...], NonEmpty, UniqueIds]


class ActorKind(StrEnum):
    mandatory = "mandatory"
    optional = "optional"


class Actor(Item):
    name: Text
    kind: ActorKind
    group: Text
    """E.g. «نهادهای محلی», «دستگاه‌های اجرایی», «جامعهٔ مدنی»."""
    role: Text
    """The actor's part in the plan, in a sentence."""


class Role(StrEnum):
    lead = "lead"
    approve = "approve"
    participate = "participate"
    consult = "consult"
    inform = "inform"


class RoleRow(Item):
    actor: ItemId
    """Id of an actor of the same section (checked in ``validate.py``)."""
    roles: dict[ItemId, Role]
    """Roadmap stage id → role of the actor in that stage."""

    DIFF_EXPAND: ClassVar[frozenset[str]] = frozenset({"roles"})
    """A diff compares the matrix row cell by cell (``roles.st-vision``)."""


class Mechanism(Item):
    title: Text
    description: RichText


class InfoFunction(StrEnum):
    present = "present"
    receive = "receive"
    exchange = "exchange"


class InfoTool(Item):
    title: Text
    functions: Annotated[tuple[InfoFunction, ...], NonEmpty]
    description: Text


class DataTheme(Item):
    theme: Text
    items: TextList
    sources: TextList
    custodian: Text
    update_cycle: Text


class Environment(Section):
    """``environment.yaml``: preparing the city, municipality and council."""

    actors: Annotated[tuple[Actor, ...], NonEmpty, UniqueIds]
    roles_intro: RichText | None = None
    roles: Annotated[tuple[RoleRow, ...], NonEmpty, UniqueIds]
    mechanisms: Annotated[tuple[Mechanism, ...], NonEmpty, UniqueIds]
    info_tools: Annotated[tuple[InfoTool, ...], NonEmpty, UniqueIds]
    database_intro: RichText | None = None
    database: Annotated[tuple[DataTheme, ...], NonEmpty, UniqueIds]



class Principle(Item):
    title: Text
    text: RichText


class Engagement(Item):
    actor_group: Text
    ways: TextList


class Missions(Section):
    """``missions.yaml``: missions and values governing the plan's making."""

    missions: Annotated[tuple[Principle, ...], NonEmpty, UniqueIds]
    values: Annotated[tuple[Principle, ...], NonEmpty, UniqueIds]
    capacity_intro: RichText | None = None
    capacity: Annotated[tuple[Principle, ...], NonEmpty, UniqueIds]
    """Capacity-building and culture-building framework."""
    engagement: Annotated[tuple[Engagement, ...], NonEmpty, UniqueIds]
    """Ways of engaging the main actors."""


class CommentStatus(StrEnum):
    accepted = "accepted"
    partly_accepted = "partly-accepted"
    not_accepted = "not-accepted"


ItemRef = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*){0,2}$"),
]
"""``<section kind>`` or ``<section kind>/<item id>``, e.g. ``case-studies/qazvin``; in a generic chapter
``<chapter>/<block>`` or ``<chapter>/<block>/<item>`` (see ``content/references.py``)."""


class Comment(Item):
    sender: Text
    """Who sent it: an organisation, or «شهروند»."""
    date: JalaliDate
    text: Text
    """The comment, as received (summarised if long)."""
    concerns: tuple[ItemRef, ...] = ()
    """The items (or whole sections) of the previous edition it is about."""
    response: Text | None = None
    """The consultant's response; ``validate`` warns while it is missing."""
    status: CommentStatus | None = None
    reason: Text | None = None
    """Why a comment was not, or only partly, accepted."""

    @model_validator(mode="after")
    def _reason_when_declined(self) -> Comment:
        declined = {CommentStatus.partly_accepted, CommentStatus.not_accepted}
        if self.status in declined and self.reason is None:
            raise ValueError(f"a comment with status '{self.status}' needs a reason")
        if self.response is not None and self.status is None:
            raise ValueError("a comment with a response needs a status")
        return self


class Comments(Section):
    """``comments.yaml``: comments received on the previous edition, and responses."""

    comments: Annotated[tuple[Comment, ...], NonEmpty, UniqueIds]


Approaches.model_rebuild()

SECTION_KINDS: dict[str, type[Section]] = {
    "introduction": Introduction,
    "approaches": Approaches,
    "glossary": Glossary,
    "case-studies": CaseStudies,
    "upstream": Upstream,
    "roadmap": Roadmap,
    "training": Training,
    "environment": Environment,
    "missions": Missions,
    "comments": Comments,
}
"""File stem → section model, in the order chapters appear in a report."""

FRONT_MATTER_KINDS = frozenset({"introduction"})
"""Section kinds typeset in the front matter (pages numbered with letters)."""

APPENDIX_KINDS = frozenset({"comments"})
"""Section kinds typeset as appendices after the numbered chapters."""

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
"""A report's folder name: ASCII, used in output file names."""


ITEM_NAME_FIELDS = ("title", "name", "term", "city", "theme", "actor_group", "sender",
                    "caption", "heading", "label")
"""Fields that name an item for a reader, in order of preference."""


def _has_prose(annotation: object) -> bool:
    if PROSE in getattr(annotation, "__metadata__", ()):
        return True
    return any(_has_prose(argument) for argument in get_args(annotation))


@cache
def prose_fields(model: type[BaseModel]) -> frozenset[str]:
    """Fields of ``model`` that hold prose (``Text``, ``RichText`` or lists of them)."""
    return frozenset(
        name for name, info in model.model_fields.items()
        if PROSE in info.metadata or _has_prose(info.annotation)
    )  # fmt: skip


def iter_items(value: object) -> Iterator[Item]:
    """Every item anywhere inside ``value`` (a section or part of one), in order."""
    if isinstance(value, Item):
        yield value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from iter_items(getattr(value, name))
    elif isinstance(value, (tuple, list)):
        for element in value:
            yield from iter_items(element)
    elif isinstance(value, dict):  # a matrix's cells hold items too
        for element in value.values():
            yield from iter_items(element)


def item_name(item: Item, length: int = 60) -> str:
    """What a reader calls an item: its title, name, term … else the start of its text, else its id."""
    named = next((str(getattr(item, field)) for field in ITEM_NAME_FIELDS if getattr(item, field, None)), None)
    if named:
        return named
    prose = [str(getattr(item, field)) for field in sorted(prose_fields(type(item)))]
    text = " ".join(prose[0].split()) if prose else item.id
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class Edition(Model):
    """One edition of one stage: the manifest entry and its sections in order."""

    report: Report
    stage: Stage
    entry: EditionEntry
    sections: dict[str, Section]
    """Section kind → section, in ``SECTION_KINDS`` order; absent kinds are missing."""
    warnings: tuple[Problem, ...] = ()
    """Things worth a look that do not stop a build (e.g. comments without a response)."""
    labels: Labels = Field(default_factory=default_labels)
    """The words reportgen prints that are not content, with the report's own changes."""

    @property
    def history(self) -> tuple[EditionEntry, ...]:
        """Editions up to and including this one."""
        return tuple(e for e in self.stage.editions if e.number <= self.entry.number)
