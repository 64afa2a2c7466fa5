"""index loans due_on concurrently

Revision ID: 0025137dbbfd
Revises: 0024ce48773d
Create Date: 2023-11-06 09:40:31.505897

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0025137dbbfd'
down_revision: Union[str, Sequence[str], None] = '0024ce48773d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # On PostgreSQL, CREATE INDEX CONCURRENTLY does not block the desk's writes to loans
    # while it builds, and it refuses to run in a transaction: hence the autocommit block.
    # SQLite ignores the postgresql_ option and builds the index as usual.
    with op.get_context().autocommit_block():
        op.create_index(
            op.f("ix_loans_due_on"),
            "loans",
            ["due_on"],
            unique=False,
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.get_context().autocommit_block():
        op.drop_index(op.f("ix_loans_due_on"), table_name="loans", postgresql_concurrently=True)
