"""The transactional SQLite engine and safe URL display."""

from __future__ import annotations

import sqlalchemy as sa

from migrator.database import create_engine, mask_url


def test_ddl_rolls_back_with_the_transaction(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (id INTEGER)")
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    assert sa.inspect(engine).get_table_names() == []


def test_plain_sqlalchemy_engine_does_not_roll_back_ddl(tmp_path):
    """Why the recipe exists: without it, pysqlite commits the CREATE TABLE at once."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (id INTEGER)")
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    assert sa.inspect(engine).get_table_names() == ["t"]


def test_passwords_are_masked():
    assert mask_url("postgresql://ann:s3cret@db.example/shop") == "postgresql://ann:***@db.example/shop"
    assert mask_url("sqlite:///app.db") == "sqlite:///app.db"
