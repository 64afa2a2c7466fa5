"""rename loans loaned_at

Revision ID: 0020cdbcfc67
Revises: 00191b570783
Create Date: 2023-08-14 15:10:37.775521

"""
# A rename, not drop + add: the data stays. Outside a batch block on purpose: SQLite
# (>= 3.25) and PostgreSQL both rename a column in place with ALTER TABLE ... RENAME,
# keeping its indexes; a batch block would rebuild loans on SQLite.
# The index ix_loans_loaned_at_desc follows the column but keeps its old name until 0030.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0020cdbcfc67'
down_revision: Union[str, Sequence[str], None] = '00191b570783'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.alter_column(
        "loans",
        "loaned_at",
        new_column_name="checked_out_at",
        existing_type=sa.DateTime(),
        existing_nullable=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.alter_column(
        "loans",
        "checked_out_at",
        new_column_name="loaned_at",
        existing_type=sa.DateTime(),
        existing_nullable=False,
    )
