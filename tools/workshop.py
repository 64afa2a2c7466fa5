"""One command for a room: a JupyterHub on this machine for N learners (`make workshop N=30`).

    .venv/bin/python -m tools.workshop --learners 30                  # http://127.0.0.1:8000
    .venv/bin/python -m tools.workshop --learners 30 --ip 0.0.0.0    # reachable from the room

It prepares a state folder (default ``.workshop/``), prints the login details, then runs
``jupyterhub -f workshop/jupyterhub_config.py`` until Ctrl-C (which stops every learner's server):

- ``course/``: a snapshot of the *committed* course (``git archive HEAD``; a plain copy without
  git), every file and folder made read-only. Learners' kernels import the kit from here.
- ``home/<learner>/``: made at each learner's first login by the config's pre_spawn_hook
  (``learner_copy``): their own writable copy of the course, so their workspaces
  (``notebooks/workspaces/``) are theirs alone.
- ``passwords.txt`` (mode 600): the room's password and the instructor's, kept between runs.

``Hub`` starts and stops the same hub from Python (tests/test_workshop.py, bench/workshop.py)
and remembers every process it saw, so a caller can prove none outlived it.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import io
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "workshop" / "jupyterhub_config.py"
#: What a learner's copy holds: what the notebooks open, run or link to. Not tests, tools, bench.
COURSE_PARTS = ("notebooks", "migrator", "migrations", "examples", "alembic.ini", "README.md")
#: The shared snapshot also holds what installs and starts it (the image for Z2JH is built from it).
SNAPSHOT_PARTS = (*COURSE_PARTS, "tools", "workshop", "pyproject.toml", "requirements.txt", "constraints.txt")
ADMIN = "instructor"
READ_ONLY_FILE, READ_ONLY_DIR = 0o444, 0o555


def learner_names(count: int) -> list[str]:
    """learner01 .. learnerNN: the names the instructor writes on the board."""
    if count < 1:
        raise SystemExit("A workshop needs at least one learner: --learners 1 or more.")
    return [f"learner{number:0{max(2, len(str(count)))}d}" for number in range(1, count + 1)]


def snapshot(repository: Path, destination: Path) -> Path:
    """The committed course, read-only, at ``destination`` (replaced if it exists)."""
    if destination.exists():
        make_writable(destination)
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    if (repository / ".git").exists():
        archive = subprocess.run(
            ["git", "-C", str(repository), "archive", "--format=tar", "HEAD", *SNAPSHOT_PARTS],
            check=True, capture_output=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(destination, filter="data")
    else:  # a downloaded archive: the files as they are
        for part in SNAPSHOT_PARTS:
            source = repository / part
            if source.is_dir():
                shutil.copytree(source, destination / part, ignore=_not_course)
            elif source.exists():
                shutil.copy2(source, destination / part)
    # compiled once here, so no kernel writes __pycache__ into the shared course (root could)
    compileall.compile_dir(destination / "migrator", quiet=1)
    compileall.compile_dir(destination / "tools", quiet=1)
    make_read_only(destination)
    return destination


def _not_course(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in {"workspaces", "__pycache__", ".ipynb_checkpoints"} or n.endswith(".db")}


def make_read_only(folder: Path) -> None:
    """Files r--r--r--, folders and scripts r-xr-xr-x: nobody but root can change the shared course."""
    for path in sorted(folder.rglob("*"), reverse=True):
        runnable = path.is_dir() or path.stat().st_mode & stat.S_IXUSR
        path.chmod(READ_ONLY_DIR if runnable else READ_ONLY_FILE)
    folder.chmod(READ_ONLY_DIR)


def make_writable(folder: Path) -> None:
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def learner_copy(course: Path, home: Path) -> Path:
    """The learner's own, writable copy of the course in ``home``; kept if it is already there."""
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "notebooks").exists():
        for part in COURSE_PARTS:
            source = course / part
            if source.is_dir():
                # copyfile, not copy2: the learner's copy must not inherit the snapshot's read-only modes
                shutil.copytree(source, home / part, copy_function=shutil.copyfile, ignore=_not_course)
            elif source.exists():
                shutil.copyfile(source, home / part)
        for path in [home / part for part in COURSE_PARTS]:
            if path.is_dir():
                for child in [path, *path.rglob("*")]:
                    child.chmod(0o755 if child.is_dir() else 0o644)
    return home


def kernel_runtime(state: Path) -> Path:
    """Where each learner's server keeps its kernels' unix sockets: ``<this>/<learner>/``.

    Short on purpose (under /tmp, named after the state folder): a socket path must fit in
    104 bytes, and ``<state>/home/<learner>/.local/share/jupyter/runtime/kernel-<uuid>-ipc-<n>``
    does not. Kernels talk over unix sockets rather than loopback TCP because servers that
    start kernels at the same moment can be handed the same free port, and a learner's server
    then talks to another learner's kernel (the cell never runs: "Invalid Signature").
    """
    tmp = Path("/tmp") if Path("/tmp").is_dir() else Path(tempfile.gettempdir())
    return tmp / f"migration-lab-{hashlib.sha256(str(Path(state).resolve()).encode()).hexdigest()[:8]}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def passwords(state: Path) -> tuple[str, str]:
    """The room's password (easy to read aloud) and the instructor's (32+ characters), kept in state."""
    path = state / "passwords.txt"
    if path.exists():
        lines = dict(line.split("=", 1) for line in path.read_text().split())
        return lines["learners"], lines["instructor"]
    room = "-".join(secrets.choice(_WORDS) for _ in range(4))  # 18**4 = 104,976 choices
    admin = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(f"learners={room}\ninstructor={admin}\n")
    return room, admin


_WORDS = ("alembic", "upgrade", "revision", "schema", "column", "table", "index", "batch", "model",
          "head", "branch", "merge", "backup", "commit", "rollback", "sqlite", "author", "book")


def hub_environment(state: Path, learners: int, *, ip: str = "127.0.0.1", port: int = 8000,
                    hub_port: int | None = None, proxy_api_port: int | None = None,
                    room_password: str | None = None, admin_password: str | None = None,
                    start_timeout: int = 120) -> dict[str, str]:
    """The variables workshop/jupyterhub_config.py reads."""
    room, admin = passwords(state)
    return {
        **os.environ,
        "MIGRATION_LAB_WORKSHOP_DIR": str(state),
        "MIGRATION_LAB_LEARNERS": str(learners),
        "MIGRATION_LAB_URL": f"http://{ip}:{port}",
        "MIGRATION_LAB_HUB_PORT": str(hub_port or free_port()),
        "MIGRATION_LAB_PROXY_API_PORT": str(proxy_api_port or free_port()),
        "MIGRATION_LAB_PASSWORD": room_password or room,
        "MIGRATION_LAB_ADMIN_PASSWORD": admin_password or admin,
        "MIGRATION_LAB_PROXY_TOKEN": secrets.token_hex(32),
        "MIGRATION_LAB_START_TIMEOUT": str(start_timeout),
        "PYTHONPATH": str(ROOT),
    }


def hub_command() -> list[str]:
    return [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG)]


class Hub:
    """A running workshop hub on a free loopback port; ``stop()`` ends it and everything it started."""

    def __init__(self, state: Path, learners: int, *, start_timeout: int = 120, log: Path | None = None):
        self.state = Path(state)
        self.state.mkdir(parents=True, exist_ok=True)
        snapshot(ROOT, self.state / "course")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = hub_environment(self.state, learners, port=self.port, start_timeout=start_timeout)
        self.room_password = self.env["MIGRATION_LAB_PASSWORD"]
        self.admin_password = self.env["MIGRATION_LAB_ADMIN_PASSWORD"]
        self.learners = learner_names(learners)
        self.log_path = log or self.state / "hub.log"
        self.seen: dict[int, float] = {}  # pid -> create_time of every process in the hub's tree
        self.commands: dict[int, str] = {}  # pid -> its command line (the latest seen), for reports
        self.parents: dict[int, int] = {}  # pid -> its parent's pid
        self.process: subprocess.Popen | None = None
        self.on_sample = None  # called with the process list at every sample (bench/workshop.py)
        self._watching = threading.Event()

    def start(self, timeout: float = 60) -> "Hub":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            hub_command(), cwd=self.state, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The hub exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api/", timeout=2) as answer:
                    if answer.status == 200:
                        self._watching.set()
                        threading.Thread(target=self._watch_loop, daemon=True).start()
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"The hub did not answer within {timeout} s; see {self.log_path}")

    def tree(self):
        """The hub's process and all its descendants now (proxy, learners' servers, kernels)."""
        import psutil

        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def watch(self) -> list:
        """Remember every process in the tree (call it while learners work)."""
        processes = self.tree()
        for process in processes:
            try:
                with process.oneshot():
                    created = process.create_time()
                    if self.seen.setdefault(process.pid, created) == created:  # not a reused pid
                        # The latest: a child caught between fork and exec still shows its parent's.
                        self.commands[process.pid] = " ".join(process.cmdline())
                        self.parents[process.pid] = process.ppid()
            except Exception:
                pass
        return processes

    def servers(self) -> list[int]:
        """The learners' servers seen: the hub's own children running jupyterhub-singleuser
        (a server's forked child shows the same command line until it execs)."""
        return [pid for pid, command in self.commands.items()
                if "jupyterhub-singleuser" in command and self.parents.get(pid) == self.process.pid]

    def kernels(self) -> list[int]:
        """The kernels seen: ipykernel processes started by a learner's server."""
        servers = set(self.servers())
        return [pid for pid, command in self.commands.items()
                if "ipykernel_launcher" in command and self.parents.get(pid) in servers]

    def _watch_loop(self, every: float = 0.5) -> None:
        while self._watching.is_set():
            processes = self.watch()
            if self.on_sample:
                self.on_sample(processes)
            time.sleep(every)

    def survivors(self) -> list[int]:
        """Processes this hub started that are still alive (same pid and start time)."""
        import psutil

        alive = []
        for pid, created in self.seen.items():
            try:
                process = psutil.Process(pid)
                if process.create_time() == created and process.status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        return alive

    def stop(self, timeout: float = 30) -> list[int]:
        """SIGTERM the hub (it stops the servers and the proxy), then kill whatever it left; -> leftovers."""
        if self.process is None:
            return []
        self._watching.clear()
        self.watch()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        left = self.survivors()
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(kernel_runtime(self.state), ignore_errors=True)
        return left

    def __enter__(self) -> "Hub":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", "-n", type=int, help="how many learners (learner01 ..)")
    parser.add_argument("--copy-into", type=Path, metavar="HOME",
                        help="only copy this course into HOME (once) and stop: what a learner's server "
                             "runs first on Z2JH or TLJH (docs/workshop.md)")
    parser.add_argument("--ip", default="127.0.0.1", help="0.0.0.0 to let the room's laptops in")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--state", type=Path, default=ROOT / ".workshop", help="state folder (default .workshop/)")
    args = parser.parse_args(argv)
    if args.copy_into:
        learner_copy(ROOT, args.copy_into)
        return 0
    if args.learners is None:
        parser.error("--learners N is needed to start a hub")
    state = args.state.resolve()
    state.mkdir(parents=True, exist_ok=True)
    snapshot(ROOT, state / "course")
    env = hub_environment(state, args.learners, ip=args.ip, port=args.port)
    names = learner_names(args.learners)
    host = socket.gethostname() if args.ip == "0.0.0.0" else args.ip
    print(
        f"Migration Lab workshop for {args.learners} learners: http://{host}:{args.port}\n"
        f"  learners: {names[0]} .. {names[-1]}, password: {env['MIGRATION_LAB_PASSWORD']}\n"
        f"  instructor (admin, /hub/admin): {ADMIN}, password in {state / 'passwords.txt'}\n"
        f"  learners' folders: {state / 'home'}/<name>/   Ctrl-C stops the hub and every server.",
        flush=True,
    )
    shutil.rmtree(kernel_runtime(state), ignore_errors=True)  # the last run's, after its Ctrl-C
    os.chdir(state)
    command = hub_command()
    os.execve(command[0], command, env)  # the hub itself from here on: Ctrl-C reaches it directly


if __name__ == "__main__":
    sys.exit(main())
