"""widen member email

Revision ID: 0021208acdca
Revises: 0020cdbcfc67
Create Date: 2023-09-04 11:00:54.601833

"""
# needs-live-database: on SQLite a type change rebuilds members (batch mode), which
# needs reflection. (On SQLite the rebuild would also drop ix_members_email_lower, had
# 0009 not already lost it; 0030 restores it.)

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0021208acdca'
down_revision: Union[str, Sequence[str], None] = '0020cdbcfc67'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # RFC 5321 allows 254 characters; a member with a long university address could not sign up.
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column(
            "email",
            existing_type=sa.String(length=120),
            type_=sa.String(length=254),
            existing_nullable=True,
        )


def downgrade() -> None:
    """Downgrade schema."""
    # Fails on databases that enforce lengths (PostgreSQL: "value too long") while an
    # address is over 120 characters; SQLite does not enforce them and keeps it whole.
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column(
            "email",
            existing_type=sa.String(length=254),
            type_=sa.String(length=120),
            existing_nullable=True,
        )
