"""widen member email

Revision ID: 0021208acdca
Revises: 0020cdbcfc67
Create Date: 2023-09-04 11:00:54.601833

"""
# needs-live-database: on SQLite a type change rebuilds members (batch mode), which
# needs reflection. (On SQLite the rebuild would also drop ix_members_email_lower, had
# 0009 not already lost it; 0030 restores it.)

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0021208acdca'
down_revision: Union[str, Sequence[str], None] = '0020cdbcfc67'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # RFC 5321 allows 254 characters; a member with a long university address could not sign up.
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column(
            "email",
            existing_type=sa.String(length=120),
            type_=sa.String(length=254),
            existing_nullable=True,
        )


def downgrade() -> None:
    """Downgrade schema."""
    # VARCHAR(120) cannot hold a longer address where lengths are enforced (PostgreSQL),
    # and cutting one would leave a wrong address (or two equal ones, against the unique
    # lower(email) index). So there, find those members first and stop, naming them,
    # before anything changes; PostgreSQL's own "value too long" would not say who.
    # SQLite does not enforce lengths and keeps every address whole.
    context = op.get_context()
    if context.dialect.name != "sqlite" and not context.as_sql:
        members = sa.table("members", sa.column("id"), sa.column("email"))
        too_long = op.get_bind().execute(
            sa.select(members.c.id).where(sa.func.length(members.c.email) > 120).order_by(members.c.id)
        ).scalars().all()
        if too_long:
            shown = ", ".join(map(str, too_long[:10])) + (", ..." if len(too_long) > 10 else "")
            raise RuntimeError(
                f"0021 downgrade stopped before changing members: {len(too_long)} "
                f"{'member has' if len(too_long) == 1 else 'members have'} an e-mail over 120 characters "
                f"(id {shown}), which VARCHAR(120) cannot hold; shorten or clear those addresses, then downgrade again"
            )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column(
            "email",
            existing_type=sa.String(length=254),
            type_=sa.String(length=120),
            existing_nullable=True,
        )
