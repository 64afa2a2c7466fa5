"""merge holds and copy condition

Revision ID: 001770be239a
Revises: 00147028a87f, 0016e1bb1a2c
Create Date: 2023-06-26 09:00:15.108736

"""
# Merge: `alembic merge heads` after Ana's 0014 and Ben's 0015-0016 both landed on main.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '001770be239a'
down_revision: Union[str, Sequence[str], None] = ('00147028a87f', '0016e1bb1a2c')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
