"""Mermaid diagrams: the ER diagram of a real schema, the revision graph of a real history."""

from __future__ import annotations


from migrator.diagrams import Diagram, er_diagram, revision_graph

BOOKSHOP_0001 = """\
erDiagram
    authors {
        integer id PK
        varchar name
    }
    books {
        integer id PK
        varchar title
        integer author_id FK
    }
    authors ||--o{ books : "author_id\""""


def test_empty_database(bookshop):
    assert bookshop.er_diagram().source == 'erDiagram\n    EMPTY["no tables yet"] {}'


def test_bookshop_at_0001(bookshop):
    bookshop.upgrade("0001")
    assert bookshop.er_diagram().source == BOOKSHOP_0001  # alembic_version is left out


def test_each_revision_shows_its_columns(bookshop):
    bookshop.upgrade("0002")
    assert "        integer published_year\n" in bookshop.er_diagram().source
    assert "slug" not in bookshop.er_diagram().source
    bookshop.upgrade("0004")
    assert "        varchar slug\n" in bookshop.er_diagram().source
    bookshop.downgrade("base")
    assert "no tables yet" in bookshop.er_diagram().source


def test_detailed_shows_lengths_unique_keys_and_nullable(bookshop):
    bookshop.upgrade("0002")
    at_0002 = er_diagram(bookshop.engine, detailed=True).source
    assert "        varchar(100) title\n" in at_0002
    assert "        varchar(100) name\n" in at_0002
    assert '        integer published_year "nullable"' in at_0002
    bookshop.upgrade("0003")  # wider titles, unique author names: no column added
    at_0003 = er_diagram(bookshop.engine, detailed=True).source
    assert "        varchar(200) title\n" in at_0003
    assert "        varchar(100) name UK\n" in at_0003
    assert bookshop.er_diagram().source.count("\n") == at_0003.count("\n")  # same shape


def test_names_and_types_mermaid_cannot_read_are_made_safe(ws):
    with ws.engine.begin() as connection:
        connection.exec_driver_sql(
            'CREATE TABLE "order lines" (id INTEGER PRIMARY KEY, "unit price" NUMERIC(10, 2), '
            "code VARCHAR(8) UNIQUE)"
        )
    detailed = er_diagram(ws.engine, detailed=True).source
    assert "    order_lines {" in detailed
    assert '        numeric(10,2) unit_price "nullable"' in detailed
    assert '        varchar(8) code UK "nullable"' in detailed
    assert "        numeric unit_price\n" in er_diagram(ws.engine).source


def test_diagram_renders_as_a_mermaid_fence():
    diagram = Diagram("flowchart TD\n    a --> b")
    assert diagram._repr_markdown_() == "```mermaid\nflowchart TD\n    a --> b\n```"
    assert repr(diagram) == str(diagram) == diagram.source


def test_revision_graph_of_the_bookshop_marks_the_current_revision(bookshop):
    assert bookshop.revision_graph().source.endswith("    class base current")
    bookshop.upgrade("0002")
    graph = bookshop.revision_graph().source
    assert graph.startswith("flowchart TD\n    base((base))\n")
    assert '    r0002["0002: add published_year to books ◀ current"]' in graph
    assert '    r0003["0003: unique author names, longer titles"]' in graph
    assert "    base --> r0001\n    r0001 --> r0002\n    r0002 --> r0003\n    r0003 --> r0004" in graph
    assert graph.endswith("    class r0002 current")


def test_revision_graph_shows_a_branch_and_its_merge(authors_ws):
    ws = authors_ws  # 0001 applied
    ws.revision("left", autogenerate=False)  # 0002 on 0001
    ws.revision("right", autogenerate=False, head="0001", splice=True)  # 0003 on 0001 too
    assert ws.heads() == ["0002", "0003"]
    ws.upgrade("heads")
    graph = ws.revision_graph().source
    assert "    r0001 --> r0002" in graph and "    r0001 --> r0003" in graph
    assert '"0002: left ◀ current"' in graph and '"0003: right ◀ current"' in graph
    assert graph.endswith("    class r0002,r0003 current")

    ws.merge("join left and right")  # 0004, down_revision = (0002, 0003)
    graph = ws.revision_graph().source
    assert "    r0002 --> r0004" in graph and "    r0003 --> r0004" in graph
    assert graph.endswith("    class r0002,r0003 current")  # the merge is not applied yet
    ws.upgrade()
    graph = ws.revision_graph().source
    assert '    r0004["0004: join left and right ◀ current"]' in graph
    assert graph.endswith("    class r0004 current")
    assert revision_graph(ws.revisions()).source.endswith("    class base current")


def test_every_label_is_quoted_safely(authors_ws):
    authors_ws.revision('say "hello"', autogenerate=False)
    graph = authors_ws.revision_graph().source
    assert "r0002[\"0002: say 'hello'\"]" in graph


def test_type_names_with_spaces_become_one_word():
    from sqlalchemy.dialects import postgresql

    from migrator.diagrams import _type

    assert _type(postgresql.DOUBLE_PRECISION()) == "double_precision"
    assert _type(postgresql.TIMESTAMP(timezone=True)) == "timestamp"


def test_an_empty_database_in_italian(bookshop, italian):
    assert bookshop.er_diagram().source == 'erDiagram\n    EMPTY["ancora nessuna tabella"] {}'
