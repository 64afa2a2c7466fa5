"""Every model of the library, one module per area; importing this registers them all."""

from library_app.models.audit import AuditEvent
from library_app.models.catalog import Author, Book, BookAuthor, BookTag, Tag
from library_app.models.lending import Copy, Hold, Loan
from library_app.models.members import Branch, Member

__all__ = [
    "AuditEvent",
    "Author",
    "Book",
    "BookAuthor",
    "BookTag",
    "Branch",
    "Copy",
    "Hold",
    "Loan",
    "Member",
    "Tag",
]
