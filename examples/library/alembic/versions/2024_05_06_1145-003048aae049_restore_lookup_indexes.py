"""restore lookup indexes

Revision ID: 003048aae049
Revises: 0029375f4082
Create Date: 2024-05-06 11:45:39.170664

"""
# sqlite-only: ix_books_title_nocase uses COLLATE NOCASE on SQLite; other databases
# get lower(title), as in 0007.
#
# Found when the member search got slow: on SQLite the batch rebuilds in 0009, 0012,
# 0019, 0021 and 0027 had silently lost or flattened the three lookup indexes of 0007
# (see the HAZARD note there). No batch block touches members, books or loans after
# this revision; 0033 drops a column without one for that reason.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '003048aae049'
down_revision: Union[str, Sequence[str], None] = '0029375f4082'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Drop whatever is left (nothing, a flattened copy, or on PostgreSQL the intact
    # index) and create each one as 0007 meant it.
    op.drop_index("ix_members_email_lower", table_name="members", if_exists=True)
    op.create_index(
        "ix_members_email_lower", "members", [sa.text("lower(email)")], unique=True
    )
    op.drop_index("ix_books_title_nocase", table_name="books", if_exists=True)
    if op.get_context().dialect.name == "sqlite":
        # SQLite-only: NOCASE, as in 0007.
        op.create_index("ix_books_title_nocase", "books", [sa.text("title COLLATE NOCASE")])
    else:
        op.create_index("ix_books_title_nocase", "books", [sa.text("lower(title)")])
    # Its column was renamed by 0020; the index takes the new name too.
    op.drop_index("ix_loans_loaned_at_desc", table_name="loans", if_exists=True)
    op.create_index("ix_loans_checked_out_at_desc", "loans", [sa.text("checked_out_at DESC")])


def downgrade() -> None:
    """Downgrade schema."""
    # Back to the old name. The other two stay as they are now: re-creating the broken
    # state of 0029 would help no one, and 0007's downgrade drops them if they exist.
    op.drop_index("ix_loans_checked_out_at_desc", table_name="loans")
    op.create_index("ix_loans_loaned_at_desc", "loans", [sa.text("checked_out_at DESC")])
