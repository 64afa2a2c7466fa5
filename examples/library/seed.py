"""Deterministic sample data for a library database upgraded to head.

    python seed.py                      # fills library.db next to this file
    python -c "from seed import seed; seed('sqlite:///other.db')"

The same rows every time (a seeded random.Random), a few hundred in all: enough for the
data migrations to have something to chew on when a test downgrades and upgrades again.
Values are what the revisions themselves would produce (slugs, sort names, trimmed
lower-case e-mails), so a round trip through the data migrations gives them back.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sys
import unicodedata
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # so `library_app` imports from any working directory
    sys.path.insert(0, str(HERE))

from library_app.db import metadata  # noqa: E402
from library_app.models.lending import COPY_CONDITIONS, HOLD_STATUSES  # noqa: E402

FIRST_NAMES = [
    "Ada", "Grace", "Alan", "Mary Ann", "Chinua", "Wisława", "Jorge", "Toni", "Haruki",
    "Selma", "Italo", "Zadie", "Orhan", "Clarice", "Naguib", "Doris", "Kazuo", "Astrid",
]
LAST_NAMES = [
    "Lovelace", "Hopper", "Turing", "Evans", "Achebe", "Szymborska", "Borges", "Morrison",
    "Murakami", "Lagerlöf", "Calvino", "Smith", "Pamuk", "Lispector", "Mahfouz", "Lessing",
]
AUTHORS = [
    "Ursula K. Le Guin", "Gabriel García Márquez", "Virginia Woolf", "Ludwig van Beethoven",
    "Simone de Beauvoir", "Chimamanda Ngozi Adichie", "Homer", "Leo Tolstoy", "Jane Austen",
    "Fyodor Dostoevsky", "Octavia E. Butler", "Rabindranath Tagore", "Italo Calvino",
    "Toni Morrison", "Wisława Szymborska", "Jorge Luis Borges", "Mary Shelley", "Kazuo Ishiguro",
    "Annie Ernaux", "Olga Tokarczuk",
]
WORDS = [
    "Winter", "River", "Garden", "Silence", "Glass", "Harbour", "Memory", "Salt", "Night",
    "Lantern", "Orchard", "Mirror", "Stone", "Island", "Letters", "Père", "Café",
]
TAGS = ["fiction", "poetry", "history", "science", "children", "travel", "crime", "classics",
        "biography", "graphic", "local", "large print"]
PARTICLES = {"de", "da", "di", "du", "del", "la", "le", "van", "von", "der"}


def slugify(title: str) -> str:
    """As revision 0012 computes it."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:200] or "book"


def sort_name(name: str) -> str:
    """As revision 0028 computes it."""
    words = name.split()
    if len(words) < 2:
        return name.strip()
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in PARTICLES:
        cut -= 1
    return f"{' '.join(words[cut:])}, {' '.join(words[:cut])}"


def rows() -> dict[str, list[dict]]:
    """Every table's rows, in insertion order (parents first)."""
    rng = random.Random(1883)  # fixed: the same rows every run
    day0 = dt.date(2023, 1, 9)
    data: dict[str, list[dict]] = {}

    data["branches"] = [
        dict(id=1, code="CEN", name="Central", city="Riverton", is_active=True, opened_on=dt.date(1962, 5, 1)),
        dict(id=2, code="NTH", name="Northgate", city="Riverton", is_active=True, opened_on=None),
        dict(id=3, code="HBR", name="Harbourside", city="Port Ellen", is_active=True, opened_on=dt.date(1998, 9, 14)),
        dict(id=4, code="MOB1", name="Mobile library", city=None, is_active=False, opened_on=None),
    ]

    data["members"] = []
    for i in range(1, 151):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = None if i % 11 == 0 else f"{first.split()[0].lower()}.{last.lower()}.{i}@example.org"
        data["members"].append(dict(
            id=i, card_number=f"LIB{i:07d}", first_name=first, last_name=last, email=email,
            joined_on=day0 + dt.timedelta(days=rng.randrange(700)),
            home_branch_id=rng.choice([1, 2, 3, None]),
            status=rng.choices(["active", "suspended", "closed"], [90, 5, 5])[0],
        ))

    data["authors"] = [dict(id=i, name=n, sort_name=sort_name(n)) for i, n in enumerate(AUTHORS, 1)]

    data["books"], data["book_authors"], seen = [], [], set()
    for i in range(1, 91):
        # A few titles repeat ("Collected Poems"), as in any catalogue: their slugs get -2, -3.
        title = "Collected Poems" if i % 30 == 0 else " ".join(rng.sample(WORDS, rng.choice([1, 2, 3])))
        base = slugify(title)
        slug, n = base, 2
        while slug in seen:
            slug, n = f"{base}-{n}", n + 1
        seen.add(slug)
        data["books"].append(dict(
            id=i, isbn=None if i % 9 == 0 else f"978{i:010d}", title=title, slug=slug,
            published_year=rng.randrange(1850, 2025),
        ))
        authors = rng.sample(range(1, len(AUTHORS) + 1), rng.choice([1, 1, 1, 2]))
        for position, author_id in enumerate(authors, 1):
            data["book_authors"].append(dict(book_id=i, author_id=author_id, position=position))

    data["tags"] = [dict(id=i, name=t) for i, t in enumerate(TAGS, 1)]
    data["book_tags"] = [
        dict(book_id=b, tag_id=t)
        for b in range(1, 91)
        for t in sorted(rng.sample(range(1, len(TAGS) + 1), rng.choice([0, 1, 2, 3])))
    ]

    data["copies"] = [
        dict(
            id=i, book_id=rng.randrange(1, 91), branch_id=rng.choice([1, 1, 2, 3]),
            # Library barcodes; none of the 24-character RFID codes of 0034 yet, so that
            # a downgrade below 0034 also works where VARCHAR(20) is enforced.
            barcode=f"3{i:011d}",
            acquired_on=day0 - dt.timedelta(days=rng.randrange(3000)),
            condition=rng.choice(COPY_CONDITIONS), price_cents=rng.choice([None, 899, 1250, 1999, 2450]),
            shelf_mark=f"{rng.randrange(100, 999)}.{rng.randrange(10)} {chr(65 + i % 26)}",
        )
        for i in range(1, 201)
    ]

    data["loans"] = []
    for i in range(1, 401):
        out = dt.datetime(2023, 2, 6, 9) + dt.timedelta(hours=rng.randrange(17000))
        returned = None if i % 7 == 0 else out + dt.timedelta(days=rng.randrange(1, 40), hours=3)
        data["loans"].append(dict(
            id=i, copy_id=rng.randrange(1, 201), member_id=rng.randrange(1, 151),
            checked_out_at=out, due_on=(out + dt.timedelta(days=21)).date(), returned_at=returned,
            renewals=rng.choice([0, 0, 0, 1, 2]), fine_cents=rng.choice([0] * 8 + [50, 120, 300]),
        ))

    data["holds"] = []
    for i in range(1, 41):
        status = rng.choice(HOLD_STATUSES)
        data["holds"].append(dict(
            id=i, book_id=rng.randrange(1, 91), member_id=rng.randrange(1, 151),
            pickup_branch_id=rng.choice([1, 2, 3]),
            placed_at=dt.datetime(2024, 1, 1, 10) + dt.timedelta(hours=rng.randrange(9000)),
            status=status, expires_at=dt.datetime(2025, 3, 1, 18) if status == "ready" else None,
        ))

    data["audit_events"] = [
        dict(
            id=i, occurred_at=dt.datetime(2024, 6, 1) + dt.timedelta(minutes=37 * i),
            actor=rng.choice(["desk-cen", "desk-nth", "nightly-job"]),
            action=rng.choice(["insert", "update", "delete"]),
            table_name=rng.choice(["loans", "holds", "members"]), row_id=rng.randrange(1, 400),
            detail=None,
        )
        for i in range(1, 61)
    ]
    return data


def seed(url: str) -> dict[str, int]:
    """Insert the sample rows into the (empty, upgraded to head) database at ``url``.

    Returns how many rows went into each table.
    """
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            counts = {}
            for name, table_rows in rows().items():
                connection.execute(metadata.tables[name].insert(), table_rows)
                counts[name] = len(table_rows)
            if connection.dialect.name == "postgresql":
                # The rows above bring their own ids, so PostgreSQL's sequences did not move:
                # without this the app's next insert would be given id 1 again, and fail.
                # (SQLite takes the next rowid from the table itself.)
                for name in counts:
                    table = metadata.tables[name]
                    if "id" in table.c and table.c.id.primary_key:
                        connection.execute(sa.select(sa.func.setval(
                            sa.func.pg_get_serial_sequence(name, "id"),
                            sa.select(sa.func.max(table.c.id)).scalar_subquery(),
                        )))
    finally:
        engine.dispose()
    return counts


if __name__ == "__main__":
    print(seed(sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{HERE / 'library.db'}"))
