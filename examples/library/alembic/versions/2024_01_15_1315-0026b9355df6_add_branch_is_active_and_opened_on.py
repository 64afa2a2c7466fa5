"""add branch is_active and opened_on

Revision ID: 0026b9355df6
Revises: 0025137dbbfd
Create Date: 2024-01-15 13:15:08.676023

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0026b9355df6'
down_revision: Union[str, Sequence[str], None] = '0025137dbbfd'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Plain add_column: SQLite adds a column with a constant default in place.
    op.add_column(
        "branches", sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column("branches", sa.Column("opened_on", sa.Date(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("branches", "opened_on")
    op.drop_column("branches", "is_active")
