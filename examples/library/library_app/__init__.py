"""The lending library's application package: its database models.

Importing the package registers every table on ``library_app.db.metadata``,
which is what ``alembic/env.py`` compares the database against.
"""

from library_app import models  # noqa: F401  (registers the tables)
from library_app.db import Base, metadata

__all__ = ["Base", "metadata"]
