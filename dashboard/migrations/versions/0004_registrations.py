"""Public registration portal: registrations and their emailed tokens.

Revision ID: 0004
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lookup_key", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("pending_payload", sa.Text(), nullable=True),
        sa.Column("pending_since", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("reconfirm_sent_at", sa.DateTime(), nullable=True),
        sa.Column("inactive_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("camera_count", sa.Integer(), nullable=False),
        sa.Column("division", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["owners.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["site_id"], ["camera_sites.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reviewed_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lookup_key"),
    )
    with op.batch_alter_table("registrations") as batch_op:
        batch_op.create_index("ix_registrations_status", ["status"], unique=False)
        batch_op.create_index("ix_registrations_owner_id", ["owner_id"], unique=False)
    op.create_table(
        "registration_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["owners.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("registration_tokens") as batch_op:
        batch_op.create_index("ix_registration_tokens_expires", ["expires_at"], unique=False)
        batch_op.create_index("ix_registration_tokens_registration_id", ["registration_id"], unique=False)
        batch_op.create_index("ix_registration_tokens_owner_id", ["owner_id"], unique=False)


def downgrade() -> None:
    op.drop_table("registration_tokens")
    op.drop_table("registrations")
