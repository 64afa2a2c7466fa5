"""The workshop hub for real: JupyterHub, its proxy, two learners' servers and kernels.

Two learners log in with the room's password at the same time and run notebook 01 end to end,
then its exercise (solution, then check), through the proxy's REST API and the kernel
websocket, as JupyterLab does (tools/hub_client.py). Then: each has their own copy and
workspaces, the shared snapshot is read-only, the instructor is the admin, and once the hub is
stopped not one process it started is alive.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

pytest.importorskip("jupyterhub", reason="JupyterHub is not installed: see requirements.txt")

from migrator.exercises import get  # noqa: E402
from tools.hub_client import Learner, LearnerError, exercise_cells, expected_errors, failures  # noqa: E402
from tools.workshop import ADMIN, ROOT, Hub, kernel_runtime, learner_names, snapshot  # noqa: E402

NOTEBOOK = "notebooks/01_first_model_first_revision.ipynb"
WHERE_IS_THE_KIT = "import migrator, os; print(migrator.__file__); print(os.getcwd())"
HOW_THE_KERNEL_TALKS = ("import json; from ipykernel.connect import get_connection_file as f; "
                        "print(json.dumps({**json.load(open(f())), 'file': f()}))")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="JupyterHub does not run on Windows")


def test_workspaces_made_from_a_read_only_course_are_writable(tmp_path):
    """The shared snapshot is read-only; what the kit copies out of it must not stay read-only."""
    course = snapshot(ROOT, tmp_path / "course")
    assert not os.stat(course / "migrator" / "templates" / "models.py.template").st_mode & stat.S_IWUSR
    made = subprocess.run(
        [sys.executable, "-c", "import sys; from migrator import Workspace\n"
         "for starter in ('empty', 'bookshop'): Workspace(starter, root=sys.argv[1], starter=starter)\n"
         "import migrator; print(migrator.__file__)",
         str(tmp_path / "workspaces")],
        env={**os.environ, "PYTHONPATH": str(course)}, cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    assert made.stdout.strip() == str(course / "migrator" / "__init__.py")
    files = [p for p in (tmp_path / "workspaces").rglob("*") if p.is_file()]
    assert len(files) > 8, made.stderr
    read_only = [str(p.relative_to(tmp_path)) for p in files if not os.stat(p).st_mode & stat.S_IWUSR]
    assert not read_only, f"a learner could not save these: {read_only}"


def test_copy_into_gives_a_learner_the_course_once_and_keeps_their_work(tmp_path):
    """What a learner's server runs first on Z2JH/TLJH: `python -m tools.workshop --copy-into HOME`."""
    course = snapshot(ROOT, tmp_path / "course")
    home = tmp_path / "home"
    copy = [sys.executable, "-m", "tools.workshop", "--copy-into", str(home)]
    subprocess.run(copy, cwd=course, env={**os.environ, "PYTHONPATH": str(course)}, check=True)
    notebook = home / NOTEBOOK
    assert notebook.read_bytes() == (course / NOTEBOOK).read_bytes()
    assert (home / "examples" / "library").is_dir() and (home / "alembic.ini").is_file()
    assert os.stat(notebook).st_mode & stat.S_IWUSR
    notebook.write_text("my work")
    subprocess.run(copy, cwd=course, env={**os.environ, "PYTHONPATH": str(course)}, check=True)
    assert notebook.read_text() == "my work", "a second start must not overwrite the learner's notebooks"


async def learner_session(hub: Hub, name: str) -> tuple[list, dict]:
    async with Learner(hub.url, name, hub.room_password) as learner:
        await learner.login()
        await learner.start_server(timeout=120)
        notebook = await learner.read_notebook(NOTEBOOK)
        cells = await learner.run(NOTEBOOK, [HOW_THE_KERNEL_TALKS, WHERE_IS_THE_KIT,
                                             *exercise_cells(get("nb01").solution_code)])
        return cells, expected_errors(notebook)


async def forbidden(hub: Hub, name: str, password: str) -> bool:
    async with Learner(hub.url, name, password) as someone:
        try:
            await someone.login()
        except LearnerError:
            return True
        return False


async def room(hub: Hub) -> dict:
    sessions = await asyncio.gather(*(learner_session(hub, name) for name in hub.learners))
    async with Learner(hub.url, ADMIN, hub.admin_password) as instructor:
        await instructor.login()
        users = await instructor.hub_api("GET", "/users")
    async with Learner(hub.url, hub.learners[0], hub.room_password) as learner:
        await learner.login()
        try:
            await learner.hub_api("GET", "/users")
            learner_lists_users = True
        except LearnerError:
            learner_lists_users = False
    return {
        "sessions": dict(zip(hub.learners, sessions)),
        "connections": {name: json.loads(cells[-4].text) for name, (cells, _) in zip(hub.learners, sessions)},
        "users": {u["name"]: u for u in users},
        "learner_lists_users": learner_lists_users,
        "instructor_with_room_password": not await forbidden(hub, ADMIN, hub.room_password),
        "stranger": not await forbidden(hub, "learner99", hub.room_password),
        "wrong_password": not await forbidden(hub, hub.learners[1], "not-the-password"),
    }


def test_two_learners_run_notebook_01_and_its_exercise_on_a_real_hub(tmp_path):
    hub = Hub(tmp_path / "workshop", learners=2).start()
    try:
        outcome = asyncio.run(asyncio.wait_for(room(hub), timeout=240))
        processes = {p.name() for p in hub.tree()}
    finally:
        leftovers = hub.stop()

    course, homes = hub.state / "course", hub.state / "home"
    assert hub.learners == learner_names(2) == ["learner01", "learner02"]
    for name, (cells, expected) in outcome["sessions"].items():
        assert expected, "notebook 01 teaches one error (NoChangesError): the test must see it"
        assert not failures(cells, expected), failures(cells, expected)
        kit, cwd = cells[-3].text.split()
        assert kit == str(course / "migrator" / "__init__.py")  # the shared, read-only kit
        assert cwd == str(homes / name / "notebooks")
        workspace = homes / name / "notebooks" / "workspaces"
        assert (workspace / "01_first_model_first_revision" / "app.db").is_file()
        assert any((workspace / "exercise_nb01" / "migrations" / "versions").glob("0002_*.py"))
        models = workspace / "exercise_nb01" / "models.py"
        assert "class Publisher" in models.read_text()
        assert os.stat(models).st_mode & stat.S_IWUSR, "a learner's workspace files are writable"
        assert os.stat(homes / name / NOTEBOOK).st_mode & stat.S_IWUSR
    assert not (course / "notebooks" / "workspaces").exists(), "no learner wrote into the shared course"
    for path in [course, *course.rglob("*")]:
        assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), path

    assert outcome["users"][ADMIN]["admin"] is True
    assert {n for n, u in outcome["users"].items() if not u["admin"]} == set(hub.learners)
    assert not outcome["learner_lists_users"], "learners are not admins"
    assert not outcome["instructor_with_room_password"]
    assert not outcome["stranger"] and not outcome["wrong_password"]

    assert "jupyterhub" in processes
    assert any("tools/proxy.py" in c for c in hub.commands.values()), "the workshop's proxy was seen"
    assert len(hub.servers()) == 2, "both servers were seen"
    assert len(hub.kernels()) == 2, "both kernels were seen"
    assert not leftovers, f"processes the hub left running (killed now): {leftovers}"
    assert not hub.survivors()

    # Each kernel talks to its own learner's server over unix sockets in that learner's folder:
    # with loopback TCP, servers starting kernels at once picked the same free port, and a
    # learner's server then talked to another learner's kernel ("Invalid Signature", the cell
    # never ran; bench/workshop.py found it at K = 5).
    assert set(outcome["connections"]) == set(hub.learners)
    for name, connection in outcome["connections"].items():
        assert connection["transport"] == "ipc", connection
        assert connection["file"].startswith(str(kernel_runtime(hub.state) / name) + os.sep), connection
        assert len(connection["ip"]) + len("-65535") < 104, "a unix socket path fits the OS's limit (104 on macOS)"
    assert not kernel_runtime(hub.state).exists(), "stopping the hub removes the learners' runtime folders"


FORKING_SERVER = """
import os, sys, time
if os.fork() == 0:  # a child that never execs: it shows its parent's command line
    time.sleep(30)
    os._exit(0)
time.sleep(30)
"""


def test_a_servers_forked_child_is_not_counted_as_another_server(tmp_path):
    """A child caught between fork and exec shows its server's command line (a make test run
    counted three servers for two learners): servers are the hub's own children."""
    hub = Hub(tmp_path / "workshop", learners=1)
    root = "import json, os, subprocess, time; subprocess.Popen(json.loads(os.environ['SERVER'])); time.sleep(30)"
    server = [sys.executable, "-c", FORKING_SERVER, "jupyterhub-singleuser"]
    hub.process = subprocess.Popen([sys.executable, "-c", root], start_new_session=True,
                                   env={**os.environ, "SERVER": json.dumps(server)})
    try:
        deadline = time.monotonic() + 20
        while sum("jupyterhub-singleuser" in c for c in hub.commands.values()) < 2 and time.monotonic() < deadline:
            hub.watch()
            time.sleep(0.1)
        assert sum("jupyterhub-singleuser" in c for c in hub.commands.values()) == 2, hub.commands  # both look alike
        assert len(hub.servers()) == 1
    finally:
        os.killpg(hub.process.pid, signal.SIGKILL)
        hub.process.wait()


def test_the_one_command_starts_a_hub_for_n_learners_and_ctrl_c_stops_it(tmp_path):
    """`python -m tools.workshop --learners 3` (what `make workshop N=3` runs), then Ctrl-C (SIGINT)."""
    import signal
    import time
    import urllib.request

    import psutil

    from tools.workshop import free_port

    port, state = free_port(), tmp_path / "room"
    command = subprocess.Popen(
        [sys.executable, "-m", "tools.workshop", "--learners", "3", "--port", str(port), "--state", str(state)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True, start_new_session=True,
    )
    seen = {}
    try:
        banner = [command.stdout.readline() for _ in range(4)]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/hub/login", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError("the hub did not answer within 60 s")
        root = psutil.Process(command.pid)
        seen = {p.pid: p.create_time() for p in [root, *root.children(recursive=True)]}
        assert "learner01 .. learner03" in banner[1]
        room_password = banner[1].rsplit("password: ", 1)[1].strip()
        assert f"learners={room_password}" in (state / "passwords.txt").read_text()
        assert oct(os.stat(state / "passwords.txt").st_mode & 0o777) == "0o600"
        assert 'name="password"' in page
        command.send_signal(signal.SIGINT)
        command.wait(30)
    finally:
        if command.poll() is None:
            command.kill()
    alive = [pid for pid, created in seen.items()
             if psutil.pid_exists(pid) and psutil.Process(pid).create_time() == created
             and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert len(seen) >= 2, "the hub and its proxy were running"
    assert not alive, f"still running after Ctrl-C: {alive}"


def test_start_learner_copies_the_course_then_runs_the_learners_server(tmp_path):
    """workshop/start-learner.sh, what Z2JH's and TLJH's learner servers run, from the snapshot."""
    course = snapshot(ROOT, tmp_path / "course")
    home = tmp_path / "jovyan"
    home.mkdir()
    env = {"PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin", "HOME": str(home)}
    ran = subprocess.run([str(course / "workshop" / "start-learner.sh"), "--version"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    import jupyterhub

    assert ran.stdout.strip() == jupyterhub.__version__  # jupyterhub-singleuser answered
    assert (home / NOTEBOOK).is_file() and (home / "examples" / "library").is_dir()


def test_the_z2jh_values_and_tljh_config_match_the_one_machine_hub():
    """The same start page, admin, learner names and kit location on every engine."""
    import yaml

    values = yaml.safe_load((ROOT / "workshop" / "z2jh-values.yaml").read_text())
    config = values["hub"]["config"]
    assert config["JupyterHub"]["authenticator_class"] == "shared-password"
    assert config["Authenticator"]["admin_users"] == [ADMIN]
    assert config["Authenticator"]["allowed_users"] == learner_names(30)
    local = (ROOT / "workshop" / "jupyterhub_config.py").read_text()
    tljh = (ROOT / "workshop" / "tljh_migration_lab.py").read_text()
    dockerfile = (ROOT / "workshop" / "Dockerfile").read_text()
    start_page = values["singleuser"]["defaultUrl"]
    assert f'c.Spawner.default_url = "{start_page}"' in local and f'c.Spawner.default_url = "{start_page}"' in tljh
    assert (ROOT / start_page.removeprefix("/lab/tree/")).is_file()
    assert values["singleuser"]["cmd"] == "/srv/migration-lab/workshop/start-learner.sh"
    assert values["singleuser"]["extraEnv"]["PYTHONPATH"] == "/srv/migration-lab"
    assert "COPY . /srv/migration-lab" in dockerfile and 'CMD ["/srv/migration-lab/workshop/start-learner.sh"]' in dockerfile
    assert os.access(ROOT / "workshop" / "start-learner.sh", os.X_OK)
    # Learners' servers on one machine (here and TLJH) give their kernels unix sockets; Z2JH's
    # pods each have their own loopback, so their kernels may keep TCP.
    assert 'c.Spawner.args = ["--KernelManager.transport=ipc"]' in local and '"--KernelManager.transport=ipc"' in tljh
    assert '"JUPYTER_RUNTIME_DIR": lambda spawner:' in tljh
