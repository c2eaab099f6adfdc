"""users.totp_last_step: a one-time code is accepted once (issue 11, sign-in abuse).

The TOTP time-step of the last code accepted for the user; a code for that step or an earlier one
is refused, so a code seen over a shoulder or in a proxy log cannot be replayed within its window.
(Demo accounts need no column: they are recognised by their published passwords, docs/security.md.)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("totp_last_step")
