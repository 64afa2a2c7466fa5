"""normalise member emails

Revision ID: 0010ec891ebc
Revises: 0009dbce5a3d
Create Date: 2023-04-17 15:00:26.918350

"""
# needs-live-database: reads every e-mail address to normalise it in Python.

from typing import Sequence, Union

from alembic import context
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0010ec891ebc'
down_revision: Union[str, Sequence[str], None] = '0009dbce5a3d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


members = sa.table("members", sa.column("id", sa.Integer), sa.column("email", sa.String))


def upgrade() -> None:
    """Upgrade schema."""
    if context.is_offline_mode():
        raise RuntimeError("0010 reads the members' e-mails: run it on a live database, not --sql")
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(members.c.id, members.c.email).where(members.c.email.is_not(None))
    ).all()
    # The old sign-up form kept whatever was typed: " Ada@Example.ORG ". Blank means none.
    updates = [
        {"member_id": member_id, "clean": email.strip().lower() or None}
        for member_id, email in rows
        if email != (email.strip().lower() or None)
    ]
    if updates:
        bind.execute(
            members.update()
            .where(members.c.id == sa.bindparam("member_id"))
            .values(email=sa.bindparam("clean")),
            updates,
        )


def downgrade() -> None:
    """Downgrade schema."""
    # Lossy by nature: the addresses as typed were not kept, so there is nothing to undo.
