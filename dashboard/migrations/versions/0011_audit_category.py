"""Purpose categories on audit events, and the stored results of audit-chain checks (so the
public transparency report shows the last check without re-hashing the whole chain).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("category", sa.String(length=40), nullable=True))
    op.create_table(
        "audit_verifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("through_id", sa.Integer(), nullable=False),
        sa.Column("through_hash", sa.String(length=64), nullable=True),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("verified_total", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("first_bad_id", sa.Integer(), nullable=True),
        sa.Column("problem", sa.String(length=200), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("audit_verifications")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("category")
