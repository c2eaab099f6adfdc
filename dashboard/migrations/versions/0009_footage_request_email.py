"""footage_requests.email_id: one request email per owner and batch, shared by that batch's
requests (a request's mail status is its email's status).

Existing requests point at the email written for them (outbox related_type footage_request).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("footage_requests") as batch_op:
        batch_op.add_column(sa.Column("email_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_footage_requests_email_id", "outbound_emails", ["email_id"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_index("ix_footage_requests_email_id", ["email_id"])
    op.execute(
        "UPDATE footage_requests SET email_id = (SELECT MAX(m.id) FROM outbound_emails m "
        "WHERE m.related_type = 'footage_request' AND m.related_id = footage_requests.id)")


def downgrade() -> None:
    with op.batch_alter_table("footage_requests") as batch_op:
        batch_op.drop_index("ix_footage_requests_email_id")
        batch_op.drop_constraint("fk_footage_requests_email_id", type_="foreignkey")
        batch_op.drop_column("email_id")
