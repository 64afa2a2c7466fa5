"""Branches of the library and the members who hold a card."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, func, true
from sqlalchemy.orm import Mapped, mapped_column

from library_app.db import Base

MEMBER_STATUSES = ("active", "suspended", "closed")


class Branch(Base):
    __tablename__ = "branches"
    __table_args__ = (CheckConstraint("code = upper(code)", name="code_upper"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    opened_on: Mapped[dt.date | None] = mapped_column(Date)


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'suspended', 'closed')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(String(16), unique=True)
    first_name: Mapped[str] = mapped_column(String(60))
    last_name: Mapped[str] = mapped_column(String(60))
    # Stored trimmed and lower-case (revision 0010); unique regardless of case.
    email: Mapped[str | None] = mapped_column(String(254))
    joined_on: Mapped[dt.date] = mapped_column(Date)
    home_branch_id: Mapped[int | None] = mapped_column(
        ForeignKey("branches.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), server_default="active")


# An expression index: looks members up by e-mail whatever its case.
Index("ix_members_email_lower", func.lower(Member.email), unique=True)
