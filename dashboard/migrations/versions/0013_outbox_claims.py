"""The mail outbox claims each message before sending it (status `sending`, who and when), so
any number of workers send every email once, and a dead worker's claim can be taken back.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_emails") as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(80), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_emails") as batch_op:
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by")
