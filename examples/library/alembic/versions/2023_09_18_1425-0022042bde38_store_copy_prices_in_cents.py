"""store copy prices in cents

Revision ID: 0022042bde38
Revises: 0021208acdca
Create Date: 2023-09-18 14:25:13.219458

"""
# needs-live-database: on SQLite dropping a column inside a batch block rebuilds
# copies, which needs reflection.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0022042bde38'
down_revision: Union[str, Sequence[str], None] = '0021208acdca'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Numeric came back as float on SQLite and the sums drifted: whole cents are exact.
    op.add_column("copies", sa.Column("price_cents", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE copies SET price_cents = CAST(ROUND(price * 100) AS INTEGER) "
        "WHERE price IS NOT NULL"
    )
    with op.batch_alter_table("copies", schema=None) as batch_op:
        batch_op.drop_column("price")


def downgrade() -> None:
    """Downgrade schema."""
    op.add_column("copies", sa.Column("price", sa.Numeric(precision=8, scale=2), nullable=True))
    op.execute("UPDATE copies SET price = price_cents / 100.0 WHERE price_cents IS NOT NULL")
    with op.batch_alter_table("copies", schema=None) as batch_op:
        batch_op.drop_column("price_cents")
