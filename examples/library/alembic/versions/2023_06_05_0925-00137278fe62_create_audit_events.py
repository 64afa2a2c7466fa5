"""create audit events

Revision ID: 00137278fe62
Revises: 00126ab203df
Create Date: 2023-06-05 09:25:47.096358

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '00137278fe62'
down_revision: Union[str, Sequence[str], None] = '00126ab203df'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "action IN ('insert', 'update', 'delete')", name=op.f("ck_audit_events_action")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(
        "ix_audit_events_table_name_row_id", "audit_events", ["table_name", "row_id"]
    )
    # The audit screen shows the latest events first.
    op.create_index(
        "ix_audit_events_occurred_at_desc", "audit_events", [sa.text("occurred_at DESC")]
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_audit_events_occurred_at_desc", table_name="audit_events")
    op.drop_index("ix_audit_events_table_name_row_id", table_name="audit_events")
    op.drop_table("audit_events")
