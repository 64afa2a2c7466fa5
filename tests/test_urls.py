"""Database URLs: a password is never shown, however it is written, and what a user gives as an
environment's database becomes a usable URL or a two-line error."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from migrator import MigratorError
from migrator.database import check_url, environment_url, mask_url

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


# -- environment_url: what a user gives for an environment --------------------------------


def database_of(url: str) -> Path:
    return Path(sa.make_url(url).database)


def test_a_bare_path_becomes_an_absolute_sqlite_url(tmp_path, monkeypatch):
    assert environment_url("prod.db", base=tmp_path) == f"sqlite:///{tmp_path.resolve() / 'prod.db'}"
    assert environment_url(str(tmp_path / "prod.db")) == f"sqlite:///{tmp_path.resolve() / 'prod.db'}"
    assert environment_url(tmp_path / "prod.db") == f"sqlite:///{tmp_path.resolve() / 'prod.db'}"
    assert environment_url("  prod.db\n", base=tmp_path) == f"sqlite:///{tmp_path.resolve() / 'prod.db'}"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    assert environment_url("data/prod.db") == f"sqlite:///{tmp_path.resolve() / 'data' / 'prod.db'}"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert database_of(environment_url("~/prod.db")) == tmp_path.resolve() / "prod.db"


def test_a_path_sqlalchemy_would_misread_still_names_that_file(tmp_path):
    """'?' starts SQLAlchemy's query string and '%' is decoded: both must be encoded."""
    folder = tmp_path / "what? 100%25"
    folder.mkdir()
    assert database_of(environment_url(str(folder / "prod.db"))) == folder.resolve() / "prod.db"


def test_a_sqlite_url_is_kept_and_a_relative_one_made_absolute(tmp_path):
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    assert environment_url(url) == url
    assert environment_url("sqlite:///prod.db?timeout=5", base=tmp_path) == (
        f"sqlite:///{tmp_path.resolve() / 'prod.db'}?timeout=5")


@pytest.mark.parametrize("value", [":memory:", "sqlite://", "sqlite:///", "sqlite:///:memory:",
                                   "sqlite:///file:prod?mode=memory&uri=true"])
def test_an_in_memory_database_is_refused(value):
    with pytest.raises(MigratorError, match="in-memory SQLite database") as caught:
        environment_url(value, name="prod")
    assert "'prod'" in caught.value.what and "prod.db" in caught.value.fix


def test_a_sqlite_file_in_a_missing_folder_is_refused_naming_the_folder(tmp_path):
    for value in (str(tmp_path / "nowhere" / "prod.db"), f"sqlite:///{tmp_path}/nowhere/prod.db"):
        with pytest.raises(MigratorError) as caught:
            environment_url(value)
        assert f"the folder {tmp_path.resolve() / 'nowhere'}, which does not exist" in caught.value.what
    with pytest.raises(MigratorError, match="is a folder, not a SQLite file"):
        environment_url(str(tmp_path))


def test_two_slashes_make_a_sqlite_host_not_a_file():
    with pytest.raises(MigratorError, match="has a host") as caught:
        environment_url("sqlite://prod.db")
    assert "sqlite:///prod.db" in caught.value.fix


def test_an_unknown_dialect_is_named_and_the_known_ones_listed():
    with pytest.raises(MigratorError) as caught:
        environment_url("postgress://learner:Kx7Lm2@db.example.com/shop", name="prod")
    error = caught.value
    assert "'postgress'" in error.what and "did you mean 'postgresql'" in error.fix
    assert "sqlite, postgresql" in error.fix and leaked("Kx7Lm2", str(error)) == []
    with pytest.raises(MigratorError, match="driver 'psycopg9' for postgresql"):
        environment_url("postgresql+psycopg9://learner@db.example.com/shop")


@pytest.mark.parametrize("value", [
    "postgres-ql://learner:Kx7Lm2@db.example.com/shop",
    "postgresql://learner:Kx7Lm2/shop",  # no '@host': SQLAlchemy reads Kx7Lm2 as the port
    "postgresql:learner:Kx7Lm2@db.example.com/shop",
    "learner:Kx7Lm2@db.example.com://shop",
])
def test_an_unreadable_url_is_refused_without_showing_it(value):
    with pytest.raises(MigratorError, match="dialect://user:password@host/database") as caught:
        environment_url(value)
    assert leaked("Kx7Lm2", str(caught.value)) == [], str(caught.value)


def test_an_empty_value_is_refused():
    with pytest.raises(MigratorError, match="empty"):
        environment_url("  ")


@pytest.mark.parametrize("password", [p for p in URLS if p not in VALID])
def test_an_ambiguous_password_gets_check_urls_error(password):
    with pytest.raises(MigratorError) as caught:
        environment_url(URLS[password], name="prod")
    with pytest.raises(MigratorError) as expected:
        check_url(URLS[password], "prod")
    assert str(caught.value) == str(expected.value)


@pytest.mark.parametrize("url", [URLS["Gf6%40Dh3"], URLS["Qe5:Ur7"],
                                 "postgresql+psycopg://learner@db.example.com:5432/shop?sslmode=require",
                                 "mysql://learner@db.example.com/shop"])
def test_a_server_url_that_reads_one_way_is_accepted_unchanged(url):
    assert environment_url(url) == url


def test_environment_values_are_checked_where_they_are_used(tmp_path, monkeypatch):
    """MIGRATOR_PROD_URL and add_environment get the same clear refusals, never a raw error or a password."""
    from migrator import MigratorError, Workspace

    ws = Workspace("envs", root=tmp_path, reset=True)
    for value in ("sqlite://", ":memory:", str(tmp_path / "missing" / "prod.db"), "postgresql://learner:Hq7xZ@Kp9w/Rt5m@db.example.com/shop"):
        monkeypatch.setenv("MIGRATOR_PROD_URL", value)
        with pytest.raises(MigratorError) as caught:
            ws.environment("prod")
        assert "Kp9w" not in str(caught.value) and "Rt5m" not in str(caught.value)
        shown = ws.environments()
        assert shown.set_index("environment").loc["prod", "database"] == "(not usable)"
        assert "Kp9w" not in shown.to_string()
    monkeypatch.delenv("MIGRATOR_PROD_URL")
    with pytest.raises(MigratorError) as caught:
        ws.add_environment("prod", "postgresql://learner:Hq7xZ@Kp9w/Rt5m@db.example.com/shop")
    assert "Kp9w" not in str(caught.value) and "%40" in caught.value.fix
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MIGRATOR_PROD_URL", "prod.db")  # a bare path: relative to where you are, as in a shell
    assert ws.environment("prod").database_path == tmp_path / "prod.db"
