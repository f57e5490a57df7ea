"""The comment store (migrations, SQLite and a real PostgreSQL), search folding, and the export to the register."""

from __future__ import annotations

import datetime as dt
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import jdatetime
import pytest
import sqlalchemy as sa

from reportgen.editions.find import EditionRef, load_edition
from reportgen.editions.lifecycle import new_edition, publish_edition
from reportgen.paths import Project
from reportgen.web.comments import export_comments
from reportgen.web.search import index_text, query_key
from reportgen.web.store import NewComment, Status, Store, metadata

# ------------------------------------------------------------------ search keys


@pytest.mark.parametrize(("typed", "written"), [
    ("كتاب", "کتاب"),              # Arabic kaf
    ("مديريت", "مدیریت"),          # Arabic yeh
    ("1403", "۱۴۰۳"),              # Latin digits for Persian
    ("١٤٠٣", "۱۴۰۳"),              # Arabic-Indic digits
    ("میشود", "می‌شود"),           # a ZWNJ-word typed joined
    ("می شود", "می‌شود"),          # … or with a space
    ("برنامه", "برنامهٔ"),          # the ezafe hamza
])  # fmt: skip
def test_a_query_finds_the_word_however_it_is_typed(typed: str, written: str) -> None:
    indexed = index_text(written).split()
    assert all(word in indexed for word in query_key(typed).split()), (typed, indexed)


def test_index_text_keeps_other_words_apart() -> None:
    assert "کتابخانه" not in index_text("کتاب خانه").split()
    assert query_key("چشم\u200cانداز") == "چشمانداز"


# ------------------------------------------------------------------ the store


def comment(edition: str, item: str = "", text: str = "نظر") -> NewComment:
    return NewComment(edition, item, "شهروند", "someone@example.org", text, "address")


def test_sqlite_store_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    inspector = sa.inspect(store.engine)
    for table in metadata.sorted_tables:  # the migrations build what the code expects
        assert {c["name"] for c in inspector.get_columns(table.name)} == {c.name for c in table.columns}
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("select version_num from alembic_version").scalar() == "0002"
    store.close()
    Store(f"sqlite:///{tmp_path / 'c.sqlite3'}").close()  # opening again migrates nothing and loses nothing


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A throw-away PostgreSQL cluster from Debian's packages, on a Unix socket only."""
    binaries = _postgres_bin()
    if binaries is None:
        pytest.skip("Debian's postgresql is not installed (scripts/setup.sh installs it)")
    user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    as_user = ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="reportgen-pg-"))  # pytest's folders are private to root: not for postgres
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, user)
        shutil.chown(sockets, user)
    subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "reportgen"],
                   check=True, capture_output=True)  # fmt: skip
    options = f"-k {sockets} -c listen_addresses='' -c fsync=off"
    started = subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-w", "start",
                              "-l", str(root / "log")], capture_output=True, text=True)  # fmt: skip
    if started.returncode != 0:
        pytest.skip(f"PostgreSQL could not be started here: {started.stderr.strip()[:200]}")
    try:
        yield f"postgresql://reportgen@/postgres?host={sockets}"
    finally:
        subprocess.run([*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def test_postgresql_store(postgres: str) -> None:
    store = Store(postgres)
    try:
        first = store.add(comment("r/1/1", "glossary/vision", "'); DROP TABLE comments; --"))
        store.add(comment("r/1/1"))
        assert store.set_status(first, Status.approved)
        assert [c.item for c in store.list(edition="r/1/1", status=Status.approved)] == ["glossary/vision"]
        assert [c.text for c in store.list(status=Status.approved)] == ["'); DROP TABLE comments; --"]
        since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        assert store.recent_from("address", since) == 2
        store.record_login_failure("address")
        assert store.login_failures_from("address", since) == 1 and store.login_failures_from("other", since) == 0
        store.forget_login_failures("address")
        assert store.login_failures_from("address", since) == 0
        store.set_moderator("admin", "a long password")
        assert store.check_moderator("admin", "a long password") and not store.check_moderator("admin", "nope")
    finally:
        store.close()
    Store(postgres).close()  # already at head


# ------------------------------------------------------------------ export into the register


@pytest.fixture
def drafted(mini_project: Project) -> Project:
    """The mini project with edition 1 published and edition 2 started, which has a register of its own."""
    publish_edition(mini_project, EditionRef("mini-city", 1, 1))
    new_edition(mini_project, "mini-city", 1, jdatetime.date(1403, 3, 1))
    draft = mini_project.edition_dir("mini-city", 1, 2)
    (draft / "comments.yaml").write_text(
        "# Register of edition 2: the consultant keeps notes here.\n"
        "title: پاسخ به نظرات\n"
        "comments:\n"
        "  - id: c01   # from the council\n"
        "    sender: شورای اسلامی شهر\n"
        "    date: 1403/02/20\n"
        "    text: نظر شورا.\n"
        "    concerns:\n"
        "      - glossary/vision\n"
        "    response: اعمال شد.\n"
        "    status: accepted\n", encoding="utf-8")  # fmt: skip
    # The draft drops the Harvard model: a comment about it is about an item that no longer exists.
    approaches = draft / "approaches.yaml"
    text = approaches.read_text(encoding="utf-8")
    start, end = text.index("  - id: harvard"), text.index("  - id: bsc")
    approaches.write_text(text[:start] + text[end:], encoding="utf-8")
    return mini_project


def test_export_appends_approved_comments_round_trip_and_flags_missing_items(drafted: Project, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    ids = [store.add(comment("mini-city/1/1", item, f"نظر {n}"), now=dt.datetime(2024, 5, 1, 22, 0, tzinfo=dt.UTC))
           for n, item in enumerate(["glossary/mission", "approaches/harvard", "", "roadmap"])]  # fmt: skip
    for number in ids[:3]:
        store.set_status(number, Status.approved)
    result = export_comments(drafted, store, "mini-city", 1)
    assert result.added == ["web-1", "web-2", "web-3"]
    assert result.flagged == ["web-2: about 'approaches/harvard' of edition 1, which edition 2 no longer has"]
    text = result.path.read_text(encoding="utf-8")
    assert text.startswith("# Register of edition 2: the consultant keeps notes here.\n")
    assert "  - id: c01   # from the council\n" in text
    assert "# reportgen comments export: about 'approaches/harvard'" in text
    assert "someone@example.org" not in text
    assert "date: 1403/02/13" in text  # 1 May 2024 22:00 UTC is 2 May, 13 Ordibehesht, in Iran
    edition = load_edition(drafted, EditionRef("mini-city", 1, 2))
    register = edition.sections["comments"]
    web = [c for c in register.comments if c.id.startswith("web-")]  # type: ignore[attr-defined]
    assert [(c.sender, c.text, c.concerns, c.response) for c in web] == [
        ("شهروند", "نظر 0", ("glossary/mission",), None),
        ("شهروند", "نظر 1", ("approaches/harvard",), None),
        ("شهروند", "نظر 2", (), None)]  # fmt: skip
    assert sum("has no response yet" in w.message for w in edition.warnings) == 3
    assert export_comments(drafted, store, "mini-city", 1).added == []  # each comment once
    store.close()


def test_export_without_a_draft_says_what_to_do(mini_project: Project, tmp_path: Path) -> None:
    from reportgen.errors import EditionError

    publish_edition(mini_project, EditionRef("mini-city", 1, 1))
    store = Store(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    with pytest.raises(EditionError, match="reportgen edition new mini-city --stage 1"):
        export_comments(mini_project, store, "mini-city", 1)
    store.close()


def test_store_survives_concurrent_writers(tmp_path: Path) -> None:
    """SQLite in WAL mode with a busy timeout: parallel inserts all land."""
    from concurrent.futures import ThreadPoolExecutor

    store = Store(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: store.add(comment("r/1/1", text=str(n))), range(80)))
    assert sorted(int(c.text) for c in store.list()) == list(range(80))
    store.close()


# ------------------------------------------------------------------ the site of a report with generic chapters


def test_site_of_generic_chapters_copies_their_images(tmp_path: Path) -> None:
    from reportgen.web.site import build_site

    from conftest import DATA, make_project

    shutil.copytree(DATA / "blocks" / "content", tmp_path / "content")
    project = make_project(tmp_path, tmp_path / "content")
    # Content links name a generic item as comments do, or by its id alone when unambiguous.
    foreword = project.edition_dir("blocks-town", 2, 1) / "chapters" / "01-foreword.yaml"
    foreword.write_text(foreword.read_text(encoding="utf-8") + "      [میراث](#analysis/swot-town/s-heritage)، "
                        "[کمبود شغل](#analysis/w-jobs) و [اهداف](#analysis/goals).\n", encoding="utf-8")  # fmt: skip
    publish_edition(project, EditionRef("blocks-town", 2, 1))
    site = build_site(project, tmp_path / "site")
    folder = tmp_path / "site" / site.pages[0].folder
    text = (folder / "text.html").read_text(encoding="utf-8")
    assert '<img src="images/map.svg"' in text and "file:" not in text
    assert (folder / "images" / "map.svg").read_bytes() == (
        project.edition_dir("blocks-town", 2, 1) / "images" / "map.svg").read_bytes()
    assert 'id="people"' in text and "<script" not in text.split("</head>")[1]
    for anchor in ("analysis/swot-town/s-heritage", "analysis/swot-town/w-jobs", "analysis/goals"):
        assert f'href="#{anchor}"' in text and f'id="{anchor}"' in text, anchor


# ------------------------------------------------------------------ comments on generic chapters' items


@pytest.fixture
def chapters_draft(tmp_path: Path) -> Project:
    """The generic-chapter project with edition 1 published and edition 2 started without SWOT entry s-university."""
    from conftest import DATA, make_project

    shutil.copytree(DATA / "blocks" / "content", tmp_path / "content")
    project = make_project(tmp_path, tmp_path / "content")
    publish_edition(project, EditionRef("blocks-town", 2, 1))
    new_edition(project, "blocks-town", 2, jdatetime.date(1404, 4, 1))
    analysis = project.edition_dir("blocks-town", 2, 2) / "chapters" / "03-analysis.yaml"
    text = analysis.read_text(encoding="utf-8")
    entry = next(line for line in text.splitlines(keepends=True) if "id: s-university" in line)
    analysis.write_text(text.replace(entry, ""), encoding="utf-8")
    return project


def test_export_names_a_generic_item_by_chapter_block_and_item(chapters_draft: Project, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    for item in ("people/population/y1395", "analysis/swot-town/s-university", "analysis/swot-town"):
        store.set_status(store.add(comment("blocks-town/2/1", item)), Status.approved)
    result = export_comments(chapters_draft, store, "blocks-town", 2)
    assert result.added == ["web-1", "web-2", "web-3"]
    assert result.flagged == [
        "web-2: about 'analysis/swot-town/s-university' of edition 1, which edition 2 no longer has"]
    edition = load_edition(chapters_draft, EditionRef("blocks-town", 2, 2))  # validation accepts all three
    register = edition.sections["comments"]
    assert [c.concerns for c in register.comments] == [  # type: ignore[attr-defined]
        ("people/population/y1395",), ("analysis/swot-town/s-university",), ("analysis/swot-town",)]
    store.close()


def test_a_register_names_generic_items_that_exist(chapters_draft: Project) -> None:
    from reportgen.errors import ContentError

    register = chapters_draft.edition_dir("blocks-town", 2, 2) / "comments.yaml"
    entry = "  - {{id: c{n}, sender: شورا, date: 1404/03/20, text: نظر., concerns: [{ref}]}}\n"
    good = ("people", "people/population", "analysis/swot-town/s-university", "people/y1395",
            "analysis/goals/g-tourism")  # fmt: skip
    register.write_text("title: پاسخ به نظرات\ncomments:\n" + "".join(
        entry.format(n=n, ref=ref) for n, ref in enumerate(good)), encoding="utf-8")  # fmt: skip
    load_edition(chapters_draft, EditionRef("blocks-town", 2, 2))
    with register.open("a", encoding="utf-8") as file:
        file.write(entry.format(n=9, ref="people/population/y1300") + entry.format(n=8, ref="people/ife/f1"))
    with pytest.raises(ContentError) as raised:
        load_edition(chapters_draft, EditionRef("blocks-town", 2, 2))
    messages = [p.message for p in raised.value.problems]
    assert "'people/population/y1300': no item 'population/y1300' in people of either edition" in messages
    assert "'people/ife/f1': no item 'ife/f1' in people of either edition" in messages  # ife is in 'analysis'


def test_generic_references_in_labels_traces_and_exports() -> None:
    from reportgen.compare.diff import Change
    from reportgen.compare.trace import concerns
    from reportgen.web.comments import nearest_reference

    row = Change("changed", "people", "blocks[population].rows", "y1395", "۱۳۹۵")
    assert all(concerns(row, r) for r in ("people", "people/population", "people/population/y1395", "people/y1395"))
    assert not any(concerns(row, r) for r in ("people/ife/y1395", "people/population/y1400", "analysis"))
    known = {"people", "people/population", "people/population/y1395"}
    assert nearest_reference("people/population/y1400", known) == "people/population"
    assert nearest_reference("people/gone/x", known) == "people"
    assert nearest_reference("gone/x", known) is None


def test_reference_label_of_a_generic_item(tmp_path: Path) -> None:
    from reportgen.render.templating import reference_label

    from conftest import DATA, make_project

    project = make_project(tmp_path, DATA / "blocks" / "content")
    edition = load_edition(project, EditionRef("blocks-town", 2, 1))
    assert reference_label(edition, "analysis/swot-town/s-heritage") == "تحلیل راهبردی: میراث تاریخی ارزشمند"
    assert reference_label(edition, "people/population/y1395") == "جمعیت و اقتصاد: ۱۳۹۵"
    assert reference_label(edition, "people/population/gone") == "جمعیت و اقتصاد: population/gone"
