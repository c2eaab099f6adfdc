"""owners.language: the language footage emails and the owner's answer page speak.

Set from the registration at confirmation; existing owners take the language of their newest
registration (English for owners imported without one).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("owners") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=False, server_default="en"))
    op.execute(
        "UPDATE owners SET language = (SELECT r.language FROM registrations r WHERE r.owner_id = owners.id "
        "ORDER BY r.id DESC LIMIT 1) "
        "WHERE EXISTS (SELECT 1 FROM registrations r WHERE r.owner_id = owners.id AND r.language IS NOT NULL)")


def downgrade() -> None:
    with op.batch_alter_table("owners") as batch_op:
        batch_op.drop_column("language")
