"""The consultation database: comments and moderators (SQLAlchemy Core, Alembic migrations).

SQLite by default (WAL, so readers never wait for the writer), PostgreSQL by
URL. The schema is created and upgraded only by the migrations in
``migrations/``; ``open_store`` runs them, so a new release upgrades the
database it finds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from reportgen.errors import ReportgenError
from reportgen.paths import PACKAGE_DIR

MIGRATIONS = PACKAGE_DIR / "web" / "migrations"

metadata = sa.MetaData()

# The tables as the latest migration leaves them (the migrations are the authority; tests compare the two).
comments = sa.Table(
    "comments", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("edition", sa.String(120), nullable=False),
    sa.Column("item", sa.String(160), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("exported", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_comments_edition_status", "edition", "status"),
    sa.Index("ix_comments_address_created", "address", "created"),
)  # fmt: skip

login_failures = sa.Table(
    "login_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_login_failures_address_created", "address", "created"),
)  # fmt: skip
"""Failed moderator logins by address (keyed like a comment's), for the login limit."""

FAILURES_KEPT = dt.timedelta(days=1)
"""Failed logins older than this are deleted when another is recorded (longer than any login limit's window)."""

moderators = sa.Table(
    "moderators", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
)  # fmt: skip


class StoreError(ReportgenError):
    """The database cannot be opened, migrated or written."""


class Status(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    spam = "spam"


@dataclass(frozen=True)
class StoredComment:
    id: int
    edition: str
    """``report/stage/edition``."""
    item: str
    """``kind/id``, a section kind, or '' for the whole report."""
    name: str
    email: str
    text: str
    created: dt.datetime
    status: Status
    exported: dt.datetime | None


@dataclass(frozen=True)
class NewComment:
    edition: str
    item: str
    name: str
    email: str
    text: str
    address: str


def database_url(value: str | None, data: Path) -> str:
    """A SQLAlchemy URL: as given, or SQLite in ``data/comments.sqlite3``."""
    return value or f"sqlite:///{(data / 'comments.sqlite3').resolve()}"


def _on_sqlite_connect(connection: Any, _record: object) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})
        sa.event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the latest migration (Alembic)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Store:
    """Comments and moderators in one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            self.engine = _engine(url)
            migrate(self.engine)
        except (sa.exc.SQLAlchemyError, OSError) as error:
            raise StoreError(f"cannot open the comments database {sa.make_url(url).render_as_string()}: "
                             f"{error}") from error  # fmt: skip
        self._hasher = PasswordHasher()

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ comments

    def add(self, comment: NewComment, now: dt.datetime | None = None) -> int:
        with self.engine.begin() as connection:
            result = connection.execute(comments.insert().values(
                edition=comment.edition, item=comment.item, name=comment.name, email=comment.email,
                text=comment.text, created=now or _now(), status=Status.pending.value,
                address=comment.address))  # fmt: skip
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def recent_from(self, address: str, since: dt.datetime) -> int:
        """How many comments ``address`` sent since ``since`` (for the rate limit)."""
        query = sa.select(sa.func.count()).select_from(comments).where(
            comments.c.address == address, comments.c.created >= since)  # fmt: skip
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def list(self, *, edition: str | None = None, status: Status | None = None, item: str | None = None,
             exported: bool | None = None) -> list[StoredComment]:  # fmt: skip
        query = sa.select(comments).order_by(comments.c.id)
        if edition is not None:
            query = query.where(comments.c.edition == edition)
        if status is not None:
            query = query.where(comments.c.status == status.value)
        if item is not None:
            query = query.where(comments.c.item == item)
        if exported is not None:
            query = query.where(comments.c.exported.is_not(None) if exported else comments.c.exported.is_(None))
        with self.engine.connect() as connection:
            return [_stored(row) for row in connection.execute(query).mappings()]

    def set_status(self, comment_id: int, status: Status) -> bool:
        with self.engine.begin() as connection:
            result = connection.execute(
                comments.update().where(comments.c.id == comment_id).values(status=status.value))
            return bool(result.rowcount)

    def mark_exported(self, ids: Sequence[int], when: dt.datetime | None = None) -> None:
        if ids:
            update = comments.update().where(comments.c.id.in_(list(ids))).values(exported=when or _now())
            with self.engine.begin() as connection:
                connection.execute(update)

    # ---------------------------------------------------------------- moderators

    def set_moderator(self, username: str, password: str) -> None:
        """Add a moderator, or change the password of one."""
        if not username or len(username) > 64 or len(password) < 10:
            raise StoreError("a moderator needs a user name (at most 64 characters) and a password of 10 or more")
        hashed = self._hasher.hash(password)
        with self.engine.begin() as connection:
            found = connection.execute(sa.select(moderators.c.id).where(moderators.c.username == username)).first()
            if found:
                connection.execute(moderators.update().where(moderators.c.id == found[0]).values(password_hash=hashed))
            else:
                connection.execute(moderators.insert().values(username=username, password_hash=hashed))

    def record_login_failure(self, address: str, now: dt.datetime | None = None) -> None:
        now = now or _now()
        with self.engine.begin() as connection:
            connection.execute(login_failures.delete().where(login_failures.c.created < now - FAILURES_KEPT))
            connection.execute(login_failures.insert().values(address=address, created=now))

    def login_failures_from(self, address: str, since: dt.datetime) -> int:
        """How many failed logins ``address`` made since ``since`` (for the login limit)."""
        query = sa.select(sa.func.count()).select_from(login_failures).where(
            login_failures.c.address == address, login_failures.c.created >= since)  # fmt: skip
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def forget_login_failures(self, address: str) -> None:
        """After a login: the address starts again with a full allowance."""
        with self.engine.begin() as connection:
            connection.execute(login_failures.delete().where(login_failures.c.address == address))

    def check_moderator(self, username: str, password: str) -> bool:
        with self.engine.connect() as connection:
            stored = connection.execute(
                sa.select(moderators.c.password_hash).where(moderators.c.username == username)).scalar_one_or_none()
        if stored is None:
            # Hash anyway, so a wrong user name takes as long as a wrong password.
            self._hasher.hash(password)
            return False
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stored(row: Any) -> StoredComment:
    created = row["created"]
    if created.tzinfo is None:  # SQLite gives naive datetimes back
        created = created.replace(tzinfo=dt.UTC)
    return StoredComment(row["id"], row["edition"], row["item"], row["name"], row["email"], row["text"],
                         created, Status(row["status"]), row["exported"])  # fmt: skip


def address_key(address: str, secret: bytes) -> str:
    """A visitor's address as stored: keyed hash, enough for the rate limit, not the address itself."""
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()
