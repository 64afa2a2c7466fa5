"""Database URLs: a password is never shown, however it is written, and what a user gives as an
environment's database becomes a usable URL or a two-line error."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from migrator import MigratorError
from migrator.database import check_url, mask_url

#: The password as a user types it into the URL -> the URL.  The first is the reported leak.
URLS = {
    "Hq7xZ@Kp9w/Rt5m": "postgresql://learner:Hq7xZ@Kp9w/Rt5m@db.example.com/shop",
    "Vb3@Nm8": "postgresql://learner:Vb3@Nm8@db.example.com/shop",
    "Jw4/Ty6": "postgresql://learner:Jw4/Ty6@db.example.com/shop",
    "Qe5:Ur7": "postgresql://learner:Qe5:Ur7@db.example.com/shop",
    "Lo2#Ik9": "postgresql://learner:Lo2#Ik9@db.example.com/shop",
    "Pz8?Xc1": "postgresql://learner:Pz8?Xc1@db.example.com/shop",
    "Gf6%40Dh3": "postgresql://learner:Gf6%40Dh3@db.example.com/shop",  # encoded: valid
    "Wq1@Er2@Ty3": "postgresql+psycopg://learner:Wq1@Er2@Ty3@db.example.com:5432/shop?sslmode=require",
    "Zu9/Io8": "postgresql://ad/min:Zu9/Io8@db.example.com/shop",  # SQLAlchemy reads no password here
}
#: Encoded as it must be: accepted.
VALID = ("Qe5:Ur7", "Lo2#Ik9", "Pz8?Xc1", "Gf6%40Dh3")


def leaked(password: str, text: str) -> list[str]:
    """Every piece (3 characters or more) of the password, as typed or decoded, found in ``text``."""
    from urllib.parse import unquote

    found = []
    for secret in {password, unquote(password)}:
        found += [secret[i:j] for i in range(len(secret)) for j in range(i + 3, len(secret) + 1)
                  if secret[i:j] in text]
    return found


@pytest.mark.parametrize("password", URLS)
def test_mask_url_shows_no_piece_of_any_password(password):
    shown = mask_url(URLS[password])
    assert leaked(password, shown) == [], shown
    assert ":***@db.example.com" in shown  # the user and the host stay readable


def test_mask_url_of_a_normal_url_masks_the_password_only():
    assert mask_url("postgresql://learner:s3cret@db.example.com/shop") == "postgresql://learner:***@db.example.com/shop"
    assert mask_url("postgresql+psycopg://learner:s3cret@db.example.com:5432/shop?sslmode=require") == (
        "postgresql+psycopg://learner:***@db.example.com:5432/shop?sslmode=require")
    assert mask_url(sa.make_url("postgresql://learner:s3cret@db.example.com/shop")) == (
        "postgresql://learner:***@db.example.com/shop")


@pytest.mark.parametrize("url", [
    "postgresql://learner@db.example.com/shop",
    "postgresql://db.example.com:5432/shop?sslmode=require",
    "sqlite:///app.db",
    "sqlite:////tmp/my@files/app.db",
    "sqlite://",
])
def test_mask_url_leaves_a_url_without_password_unchanged(url):
    assert mask_url(url) == url


def test_mask_url_hides_a_password_in_the_query_too():
    """psycopg takes ?password=... as well; SQLAlchemy's own masking does not hide it."""
    shown = mask_url("postgresql://learner@db.example.com/shop?sslmode=require&password=Mn4Bv6")
    assert shown == "postgresql://learner@db.example.com/shop?sslmode=require&password=***"


@pytest.mark.parametrize("password", [p for p in URLS if p not in VALID])
def test_check_url_refuses_a_url_that_splits_two_ways_without_showing_the_password(password):
    with pytest.raises(MigratorError) as caught:
        check_url(URLS[password], "prod")
    error = caught.value
    assert leaked(password, str(error)) == [], str(error)
    assert "'prod'" in error.what and ":***@db.example.com" in error.what
    assert "%40" in error.fix and "%2F" in error.fix
    assert len(error.what.split(". ")) <= 2 and "\n" not in error.what


@pytest.mark.parametrize("password", VALID)
def test_check_url_accepts_a_password_that_reads_one_way(password):
    assert check_url(URLS[password]) == URLS[password]


@pytest.mark.parametrize("url", [
    "postgresql://learner:s3cret@db.example.com/shop",
    "postgresql://learner@db.example.com/shop",
    "sqlite:////tmp/my@files/app.db",
    "sqlite:///app.db",
])
def test_check_url_accepts_ordinary_urls(url):
    assert check_url(url, "prod") == url


def test_check_url_without_a_name():
    with pytest.raises(MigratorError, match=r"^The URL \(postgresql://learner:\*\*\*@db"):
        check_url(URLS["Vb3@Nm8"])
