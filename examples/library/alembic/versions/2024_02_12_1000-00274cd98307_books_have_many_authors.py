"""books have many authors

Revision ID: 00274cd98307
Revises: 0026b9355df6
Create Date: 2024-02-12 10:00:57.339208

"""
# needs-live-database: on SQLite dropping a foreign key and its column rebuilds books
# (batch mode), which needs reflection.
# (That rebuild flattens ix_books_title_nocase again, see 0007; 0030 restores it.)

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '00274cd98307'
down_revision: Union[str, Sequence[str], None] = '0026b9355df6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "book_authors",
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["authors.id"], name=op.f("fk_book_authors_author_id_authors")
        ),
        sa.ForeignKeyConstraint(
            ["book_id"],
            ["books.id"],
            name=op.f("fk_book_authors_book_id_books"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("book_id", "author_id", name=op.f("pk_book_authors")),
    )
    op.create_index(
        op.f("ix_book_authors_author_id"), "book_authors", ["author_id"], unique=False
    )
    # Every book keeps its one author, as the first listed.
    op.execute(
        "INSERT INTO book_authors (book_id, author_id, position) "
        "SELECT id, author_id, 1 FROM books WHERE author_id IS NOT NULL"
    )
    with op.batch_alter_table("books", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_books_author_id"))
        batch_op.drop_constraint(op.f("fk_books_author_id_authors"), type_="foreignkey")
        batch_op.drop_column("author_id")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("books", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_books_author_id_authors"), "authors", ["author_id"], ["id"]
        )
        batch_op.create_index(op.f("ix_books_author_id"), ["author_id"], unique=False)
    # Lossy by nature: only the first-listed author comes back; co-authors are dropped.
    op.execute(
        "UPDATE books SET author_id = ("
        "SELECT ba.author_id FROM book_authors ba WHERE ba.book_id = books.id "
        "ORDER BY ba.position, ba.author_id LIMIT 1)"
    )
    op.drop_index(op.f("ix_book_authors_author_id"), table_name="book_authors")
    op.drop_table("book_authors")
