"""registry_changes: the change log each registry version writes, so workers patch their
snapshot instead of re-reading every camera.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_registry_changes_version", "registry_changes", ["version"])


def downgrade() -> None:
    op.drop_index("ix_registry_changes_version", table_name="registry_changes")
    op.drop_table("registry_changes")
