"""Live video: each camera's live_sharing choice, and the live-view grants.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch_op:
        batch_op.add_column(sa.Column("live_sharing", sa.String(12), nullable=False, server_default="none"))
    op.create_table(
        "live_grants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("camera_id", sa.Integer(), sa.ForeignKey("cameras.id", ondelete="CASCADE"), nullable=False),
        sa.Column("purpose_kind", sa.String(10), nullable=False),
        sa.Column("incident_number", sa.String(40), nullable=True),
        sa.Column("case_number", sa.String(40), nullable=True),
        sa.Column("offense_category", sa.String(60), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(40), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_live_grants_user_id", "live_grants", ["user_id"])
    op.create_index("ix_live_grants_camera_ended", "live_grants", ["camera_id", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_live_grants_camera_ended", table_name="live_grants")
    op.drop_index("ix_live_grants_user_id", table_name="live_grants")
    op.drop_table("live_grants")
    with op.batch_alter_table("cameras") as batch_op:
        batch_op.drop_column("live_sharing")
