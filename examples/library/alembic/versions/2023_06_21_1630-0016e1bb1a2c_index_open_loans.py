"""index open loans

Revision ID: 0016e1bb1a2c
Revises: 0015d7079b8b
Create Date: 2023-06-21 16:30:02.641985

"""
# Branch: Ben's second revision, after his 0015; merged with Ana's 0014 by 0017.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0016e1bb1a2c'
down_revision: Union[str, Sequence[str], None] = '0015d7079b8b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # A partial index: only open loans, a small fraction of the table, are indexed.
    op.create_index(
        "ix_loans_open_member_id",
        "loans",
        ["member_id"],
        unique=False,
        sqlite_where=sa.text("returned_at IS NULL"),
        postgresql_where=sa.text("returned_at IS NULL"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_loans_open_member_id", table_name="loans")
