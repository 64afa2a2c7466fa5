"""5. A long history: the migration checks and the linter over a 100-revision chain.

    .venv/bin/python bench/chain.py               # 100 revisions, 3 repetitions
    .venv/bin/python bench/chain.py --revisions 30 --repeat 1

Goals (issue "Take it to work"), each a ratio or a time measured in this one run:
- up/down consistency on the chain: at most 3x one ``upgrade head`` plus one
  ``downgrade base`` of the same chain (the check is one walk up, one down, one up again);
- the linter over every revision of the chain: under 2 s.

The chain is what real projects grow: a table per ten revisions, columns added one by
one, an index now and then, every revision with its downgrade.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MIGRATOR_QUIET", "1")

from bench.timing import measure  # noqa: E402
from migrator import Workspace  # noqa: E402
from migrator.checks import up_down_consistency  # noqa: E402
from migrator.lint import lint_script  # noqa: E402

REVISION = '''"""{message}"""
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
    {upgrade}


def downgrade():
    {downgrade}
'''


def chain(root: Path, revisions: int) -> Workspace:
    """A workspace whose versions/ holds ``revisions`` revisions in one line."""
    ws = Workspace("chain", root=root, reset=True)
    for n in range(1, revisions + 1):
        table = f"t{(n - 1) // 10}"
        if (n - 1) % 10 == 0:
            up = f"op.create_table('{table}', sa.Column('id', sa.Integer, primary_key=True))"
            down = f"op.drop_table('{table}')"
        elif n % 10 == 5:
            up = f"op.create_index('ix_{table}_c{n - 1}', '{table}', ['c{n - 1}'])"
            down = f"op.drop_index('ix_{table}_c{n - 1}', table_name='{table}')"
        else:
            up = f"op.add_column('{table}', sa.Column('c{n}', sa.Integer))"
            down = f"op.drop_column('{table}', 'c{n}')"
        (ws.versions_path / f"{n:04d}_r{n}.py").write_text(REVISION.format(
            message=f"revision {n}", rev=f"{n:04d}", down=f"{n - 1:04d}" if n > 1 else None,
            upgrade=up, downgrade=down))
    return ws


def run(root: Path, revisions: int = 100, repeat: int = 3) -> dict:
    ws = chain(root, revisions)
    ws.revisions()  # load the chain once, as a kernel that has used the project would have

    def up_and_down():
        ws.move("upgrade", "head")
        ws.move("downgrade", "base")

    def check():
        result = up_down_consistency(ws)
        assert result.passed, result.detail

    def lint_all():
        for script in ws.revisions():
            lint_script(script, ws.url)

    both = measure(up_and_down, repeat, warmup=1)
    checked = measure(check, repeat, warmup=0)
    linted = measure(lint_all, repeat, warmup=1)
    return {
        "revisions": revisions,
        "upgrade_head_plus_downgrade_base_s": both["median_s"],
        "up_down_consistency_s": checked["median_s"],
        "ratio": checked["median_s"] / both["median_s"],
        "ratio_goal": 3.0,
        "lint_every_revision_s": linted["median_s"],
        "lint_goal_s": 2.0,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revisions", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also save the numbers here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="migrator-chain-") as folder:
        result = run(Path(folder), args.revisions, args.repeat)
    print(f"{result['revisions']}-revision chain (medians of {args.repeat}):")
    print(f"  upgrade head + downgrade base   {result['upgrade_head_plus_downgrade_base_s'] * 1000:8.0f} ms")
    print(f"  up/down consistency check       {result['up_down_consistency_s'] * 1000:8.0f} ms"
          f"   = {result['ratio']:.2f}x   goal <= 3x: {'met' if result['ratio'] <= 3 else 'NOT met'}")
    print(f"  lint every revision             {result['lint_every_revision_s'] * 1000:8.0f} ms"
          f"   goal < 2 s: {'met' if result['lint_every_revision_s'] < 2 else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
