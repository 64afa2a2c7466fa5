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
    # VARCHAR(20) cannot hold an RFID code where lengths are enforced (PostgreSQL), and a
    # cut code would name another copy, or none (barcodes are unique). So there, find
    # those copies first and stop, naming them, before anything changes; PostgreSQL's own
    # "value too long" would not say which. SQLite does not enforce lengths and keeps them.
    context = op.get_context()
    if context.dialect.name != "sqlite" and not context.as_sql:
        copies = sa.table("copies", sa.column("id"), sa.column("barcode"))
        too_long = op.get_bind().execute(
            sa.select(copies.c.id).where(sa.func.length(copies.c.barcode) > 20).order_by(copies.c.id)
        ).scalars().all()
        if too_long:
            shown = ", ".join(map(str, too_long[:10])) + (", ..." if len(too_long) > 10 else "")
            raise RuntimeError(
                f"0034 downgrade stopped before changing copies: {len(too_long)} "
                f"{'copy has' if len(too_long) == 1 else 'copies have'} a barcode over 20 characters "
                f"(id {shown}), which VARCHAR(20) cannot hold; relabel those copies, then downgrade again"
            )
    with op.batch_alter_table("copies", schema=None) as batch_op:
        batch_op.alter_column(
            "barcode",
            existing_type=sa.String(length=32),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
