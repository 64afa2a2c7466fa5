"""create members

Revision ID: 0002aea7dea1
Revises: 000124f59326
Create Date: 2023-01-09 09:40:07.150284

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002aea7dea1'
down_revision: Union[str, Sequence[str], None] = '000124f59326'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_number", sa.String(length=16), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("home_branch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["home_branch_id"],
            ["branches.id"],
            name=op.f("fk_members_home_branch_id_branches"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("card_number", name=op.f("uq_members_card_number")),
    )
    op.create_index(
        op.f("ix_members_home_branch_id"), "members", ["home_branch_id"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_members_home_branch_id"), table_name="members")
    op.drop_table("members")
