"""Cases: the case file (cases, case_incidents, case_notes), footage_requests.case_id, and each
user's dashboard preferences (user_preferences).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_number", sa.String(40), nullable=False, unique=True),
        sa.Column("offense_category", sa.String(60), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("opened_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=True),
        sa.Column("clip_outcomes", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("close_requested_at", sa.DateTime(), nullable=True),
        sa.Column("close_effective_at", sa.DateTime(), nullable=True),
        sa.Column("close_applied_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_cases_opened_by", "cases", ["opened_by"])
    op.create_index("ix_cases_close_effective_at", "cases", ["close_effective_at"])
    op.create_table(
        "case_incidents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("added_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_id", "incident_id", name="uq_case_incidents_case_incident"),
    )
    op.create_index("ix_case_incidents_case_id", "case_incidents", ["case_id"])
    op.create_index("ix_case_incidents_incident_id", "case_incidents", ["incident_id"])
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_case_notes_case_id", "case_notes", ["case_id"])
    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("alert_sound", sa.Boolean(), nullable=False),
        sa.Column("browser_notifications", sa.Boolean(), nullable=False),
        sa.Column("footage_notices", sa.Boolean(), nullable=False),
        sa.Column("saved_views", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table("footage_requests") as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_footage_requests_case_id", "cases", ["case_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index("ix_footage_requests_case_id", ["case_id"])


def downgrade() -> None:
    with op.batch_alter_table("footage_requests") as batch_op:
        batch_op.drop_index("ix_footage_requests_case_id")
        batch_op.drop_constraint("fk_footage_requests_case_id", type_="foreignkey")
        batch_op.drop_column("case_id")
    op.drop_table("user_preferences")
    op.drop_index("ix_case_notes_case_id", table_name="case_notes")
    op.drop_table("case_notes")
    op.drop_index("ix_case_incidents_incident_id", table_name="case_incidents")
    op.drop_index("ix_case_incidents_case_id", table_name="case_incidents")
    op.drop_table("case_incidents")
    op.drop_index("ix_cases_close_effective_at", table_name="cases")
    op.drop_index("ix_cases_opened_by", table_name="cases")
    op.drop_table("cases")
