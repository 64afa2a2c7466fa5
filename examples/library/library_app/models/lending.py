"""Physical copies on the shelves, the loans of them, and holds placed on books."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from library_app.db import Base

COPY_CONDITIONS = ("new", "good", "worn", "damaged", "lost")
HOLD_STATUSES = ("waiting", "ready", "collected", "cancelled", "expired")


class Copy(Base):
    __tablename__ = "copies"
    __table_args__ = (
        CheckConstraint(
            "condition IN ('new', 'good', 'worn', 'damaged', 'lost')", name="condition"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    barcode: Mapped[str] = mapped_column(String(32), unique=True)
    acquired_on: Mapped[dt.date | None] = mapped_column(Date)
    condition: Mapped[str] = mapped_column(String(16), server_default="good")
    price_cents: Mapped[int | None] = mapped_column(Integer)
    shelf_mark: Mapped[str | None] = mapped_column(String(32))


class Loan(Base):
    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint("renewals >= 0", name="renewals_nonnegative"),
        # A member's open loans: the desk's most frequent question.
        Index(
            "ix_loans_open_member_id",
            "member_id",
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    copy_id: Mapped[int] = mapped_column(ForeignKey("copies.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    checked_out_at: Mapped[dt.datetime] = mapped_column(DateTime)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    returned_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    renewals: Mapped[int] = mapped_column(Integer, server_default="0")
    # Sum of the fines on this loan (revision 0023 folded the old fines table in).
    fine_cents: Mapped[int] = mapped_column(Integer, server_default="0")


# Newest loans first: the member's history page.
Index("ix_loans_checked_out_at_desc", Loan.checked_out_at.desc())


class Hold(Base):
    """A member waiting for any copy of a book, to collect at a branch."""

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting', 'ready', 'collected', 'cancelled', 'expired')",
            name="status",
        ),
        # Ready holds that lapse: the nightly job's query.
        Index(
            "ix_holds_ready_expires_at",
            "expires_at",
            sqlite_where=text("status = 'ready'"),
            postgresql_where=text("status = 'ready'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    pickup_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    placed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), server_default="waiting")
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
