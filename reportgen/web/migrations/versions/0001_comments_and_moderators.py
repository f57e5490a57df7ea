"""Comments and moderators.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comments",
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
    )
    op.create_index("ix_comments_edition_status", "comments", ["edition", "status"])
    op.create_index("ix_comments_address_created", "comments", ["address", "created"])
    op.create_table(
        "moderators",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("moderators")
    op.drop_index("ix_comments_address_created", "comments")
    op.drop_index("ix_comments_edition_status", "comments")
    op.drop_table("comments")
