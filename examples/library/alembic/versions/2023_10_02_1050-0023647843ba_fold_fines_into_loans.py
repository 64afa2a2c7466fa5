"""fold fines into loans

Revision ID: 0023647843ba
Revises: 0022042bde38
Create Date: 2023-10-02 10:50:22.864930

"""
# needs-live-database: reads the fines, one query per loan after a first query for
# the loans that have any, to total them in Python.

from typing import Sequence, Union

from alembic import context
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0023647843ba'
down_revision: Union[str, Sequence[str], None] = '0022042bde38'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


fines = sa.table("fines", sa.column("loan_id", sa.Integer), sa.column("amount_cents", sa.Integer))
loans = sa.table("loans", sa.column("id", sa.Integer), sa.column("fine_cents", sa.Integer))


def upgrade() -> None:
    """Upgrade schema."""
    if context.is_offline_mode():
        raise RuntimeError("0023 reads the fines: run it on a live database, not --sql")
    op.add_column(
        "loans", sa.Column("fine_cents", sa.Integer(), server_default="0", nullable=False)
    )

    bind = op.get_bind()
    loan_ids = bind.execute(
        sa.select(fines.c.loan_id).distinct().order_by(fines.c.loan_id)
    ).scalars().all()
    for loan_id in loan_ids:
        # One query per loan, as the old nightly job did; fine for our tens of thousands.
        amounts = bind.execute(
            sa.select(fines.c.amount_cents).where(fines.c.loan_id == loan_id)
        ).scalars().all()
        bind.execute(loans.update().where(loans.c.id == loan_id).values(fine_cents=sum(amounts)))

    op.drop_index(op.f("ix_fines_loan_id"), table_name="fines")
    op.drop_table("fines")


def downgrade() -> None:
    """Downgrade schema."""
    op.create_table(
        "fines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_fines_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fines")),
    )
    op.create_index(op.f("ix_fines_loan_id"), "fines", ["loan_id"], unique=False)
    # Lossy by nature: one fine per loan comes back, carrying the total; the separate
    # fines, their reasons and their dates are gone.
    op.execute(
        "INSERT INTO fines (loan_id, amount_cents, reason) "
        "SELECT id, fine_cents, 'total (restored)' FROM loans WHERE fine_cents > 0"
    )
    # SQLite >= 3.35 drops a column in place, so no batch rebuild is needed.
    op.drop_column("loans", "fine_cents")
