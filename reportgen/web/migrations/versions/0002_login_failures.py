"""Failed moderator logins, for the per-address login limit.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_failures_address_created", "login_failures", ["address", "created"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_address_created", "login_failures")
    op.drop_table("login_failures")
