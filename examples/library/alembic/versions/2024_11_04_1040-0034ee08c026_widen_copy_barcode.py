"""widen copy barcode

Revision ID: 0034ee08c026
Revises: 00335219e22b
Create Date: 2024-11-04 10:40:11.592736

"""
# needs-live-database: on SQLite a type change rebuilds copies (batch mode), which
# needs reflection. Copies has only plain indexes, which the rebuild copies intact.

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0034ee08c026'
down_revision: Union[str, Sequence[str], None] = '00335219e22b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # The new RFID tags carry 24-character codes.
    with op.batch_alter_table("copies", schema=None) as batch_op:
        batch_op.alter_column(
            "barcode",
            existing_type=sa.String(length=20),
            type_=sa.String(length=32),
            existing_nullable=False,
        )


def downgrade() -> None:
    """Downgrade schema."""
    # Fails on databases that enforce lengths (PostgreSQL: "value too long") while any
    # copy has an RFID code; SQLite does not enforce them and keeps the codes whole.
    with op.batch_alter_table("copies", schema=None) as batch_op:
        batch_op.alter_column(
            "barcode",
            existing_type=sa.String(length=32),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
