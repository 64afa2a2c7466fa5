"""add lookup indexes

Revision ID: 0007b33d18ee
Revises: 0006f0063170
Create Date: 2023-03-06 10:15:33.810442

"""
# sqlite-only: ix_books_title_nocase uses COLLATE NOCASE on SQLite; other databases
# get a lower(title) index under the same name (see the branch in upgrade()).
#
# HAZARD (on purpose, as it happened): these three indexes are what SQLite's batch mode
# cannot copy. A batch block that rebuilds their table re-creates its indexes from
# reflection, and SQLite reflection skips expression indexes and drops DESC and COLLATE:
#   - ix_members_email_lower (expression) is lost by the rebuild of members in 0009
#     (split_member_full_name), and would be again in 0021;
#   - ix_books_title_nocase comes back on plain `title`, without NOCASE, after the
#     rebuild of books in 0012 (add_book_slug), and again in 0027;
#   - ix_loans_loaned_at_desc comes back ascending after the rebuild of loans in 0019
#     (add_loan_renewals).
# `alembic check` sees none of it: it cannot compare what SQLite cannot reflect.
# Revision 0030 (restore_lookup_indexes) puts all three back. On PostgreSQL batch mode
# alters in place and nothing is lost.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007b33d18ee'
down_revision: Union[str, Sequence[str], None] = '0006f0063170'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Members sign in with their e-mail typed in any case.
    op.create_index(
        "ix_members_email_lower", "members", [sa.text("lower(email)")], unique=True
    )
    if op.get_context().dialect.name == "sqlite":
        # SQLite-only: NOCASE is SQLite's built-in case-insensitive collation.
        op.create_index("ix_books_title_nocase", "books", [sa.text("title COLLATE NOCASE")])
    else:
        # Other databases have no NOCASE; lower(title) serves the same searches.
        op.create_index("ix_books_title_nocase", "books", [sa.text("lower(title)")])
    # A member's history page lists the newest loans first.
    op.create_index("ix_loans_loaned_at_desc", "loans", [sa.text("loaned_at DESC")])


def downgrade() -> None:
    """Downgrade schema."""
    # if_exists: on SQLite a batch rebuild (0009, 0021) may have dropped the expression index.
    op.drop_index("ix_loans_loaned_at_desc", table_name="loans", if_exists=True)
    op.drop_index("ix_books_title_nocase", table_name="books", if_exists=True)
    op.drop_index("ix_members_email_lower", table_name="members", if_exists=True)
