"""Merge the two branches written in parallel on 0002: footage requests (0003) and the
registration portal (0004). No schema change.

Revision ID: 0005
Revises: 0003, 0004
"""

revision = "0005"
down_revision = ("0003", "0004")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
