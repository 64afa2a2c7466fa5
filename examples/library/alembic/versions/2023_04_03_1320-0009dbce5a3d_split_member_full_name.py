"""split member full_name

Revision ID: 0009dbce5a3d
Revises: 0008e90dd59a
Create Date: 2023-04-03 13:20:41.559176

"""
# needs-live-database: reads every member's name to split it in Python; on SQLite
# the batch block also rebuilds members, which needs reflection.
# HAZARD: that rebuild drops ix_members_email_lower (created in 0007); 0030 restores it.

from typing import Sequence, Union

from alembic import context
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0009dbce5a3d'
down_revision: Union[str, Sequence[str], None] = '0008e90dd59a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


members = sa.table(
    "members",
    sa.column("id", sa.Integer),
    sa.column("full_name", sa.String),
    sa.column("first_name", sa.String),
    sa.column("last_name", sa.String),
)


def split_name(full_name: str) -> tuple[str, str]:
    """'Mary Ann Evans' -> ('Mary Ann', 'Evans'); a single word is taken as the last name."""
    words = full_name.split()
    if not words:
        return "", ""
    return " ".join(words[:-1]), words[-1]


def upgrade() -> None:
    """Upgrade schema."""
    if context.is_offline_mode():
        raise RuntimeError("0009 reads the members' names: run it on a live database, not --sql")
    op.add_column("members", sa.Column("first_name", sa.String(length=60), nullable=True))
    op.add_column("members", sa.Column("last_name", sa.String(length=60), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(sa.select(members.c.id, members.c.full_name)).all()
    updates = []
    for member_id, full_name in rows:
        first, last = split_name(full_name)
        updates.append({"member_id": member_id, "first": first, "last": last})
    if updates:
        bind.execute(
            members.update()
            .where(members.c.id == sa.bindparam("member_id"))
            .values(first_name=sa.bindparam("first"), last_name=sa.bindparam("last")),
            updates,
        )

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("first_name", existing_type=sa.String(length=60), nullable=False)
        batch_op.alter_column("last_name", existing_type=sa.String(length=60), nullable=False)
        batch_op.drop_column("full_name")


def downgrade() -> None:
    """Downgrade schema."""
    op.add_column("members", sa.Column("full_name", sa.String(length=120), nullable=True))
    # Lossy by nature: runs of spaces in the original names are not kept, and a
    # two-word last name ("van Dijk") had already been split wrongly by upgrade().
    op.execute("UPDATE members SET full_name = TRIM(first_name || ' ' || last_name)")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column("full_name", existing_type=sa.String(length=120), nullable=False)
        batch_op.drop_column("last_name")
        batch_op.drop_column("first_name")
