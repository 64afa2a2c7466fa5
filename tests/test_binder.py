"""Binder: the repository as mybinder.org builds and runs it, checked for real without Docker.

mybinder.org builds an image with repo2docker and starts it as the unprivileged user
``jovyan``, whose home folder *is* the repository.  docs/binder.md has the launch URL.

- repo2docker's own detection, run for real (``--no-build`` renders the Dockerfile; no Docker
  engine needed): it reads binder/, not the root; Python 3.11 (pgserver has wheels only up to
  3.12); binder/requirements.txt installed after the whole repository is in place (it reaches
  ``-e .``); and no ``pip install .``, which would put a copy of the kit in site-packages that
  cannot find migrations/ and alembic.ini.
- The repository's .jupyter/ is jovyan's ~/.jupyter there: with HOME at the repository and no
  ``--config``, the server opens the start page at ``/`` and serves the launch URL's path.
- The kit's PostgreSQL starts as an unprivileged user (as root: a ``jovyan`` user made for
  the test), migrates the bookshop and stops.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from migrator import PROJECT_ROOT, postgres

START_PAGE = "notebooks/00_start_here.ipynb"
BINDER_USER = "jovyan"  # mybinder's user name (uid 1000 there)
TIMEOUT = 120  # seconds for any subprocess: a hang fails the test instead of the suite
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _tracked_files() -> list[str]:
    listed = subprocess.run(["git", "-C", str(PROJECT_ROOT), "ls-files", "-z"], check=True,
                            capture_output=True, text=True, timeout=TIMEOUT).stdout
    return [name for name in listed.split("\0") if name and (PROJECT_ROOT / name).is_file()]


def _user() -> pwd.struct_passwd:
    """Who plays jovyan: this user when not root; as root, a ``jovyan`` system user (made once)."""
    if not IS_ROOT:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam(BINDER_USER)
    except KeyError:
        made = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                               "--shell", "/usr/sbin/nologin", BINDER_USER],
                              capture_output=True, text=True, timeout=TIMEOUT)
        if made.returncode not in (0, 9):  # 9: made meanwhile by another process
            pytest.fail(f"useradd {BINDER_USER} failed: {made.stderr.strip()}", pytrace=False)
        return pwd.getpwnam(BINDER_USER)


@pytest.fixture(scope="module")
def home():
    """The tracked files in a fresh folder owned by the Binder user, as the image's /home/jovyan."""
    user = _user()
    folder = Path(tempfile.mkdtemp(prefix="migration-lab-binder-"))
    try:
        for name in _tracked_files():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, folder / name)
        if IS_ROOT:
            for path in [folder, *folder.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)
        yield folder
    finally:
        _stop_leftover_server(folder)
        shutil.rmtree(folder, ignore_errors=True)


def _stop_leftover_server(folder: Path) -> None:
    """After a failed run: a fast shutdown (SIGINT) of a postmaster still running in the copy."""
    for pidfile in folder.glob(".postgres/*/data/postmaster.pid"):
        try:
            pid = int(pidfile.read_text().split("\n", 1)[0])
            os.kill(pid, signal.SIGINT)
        except (OSError, ValueError):
            continue
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.1)


# -- repo2docker ----------------------------------------------------------------------------


def test_repo2docker_builds_python_311_and_installs_the_pinned_requirements_over_the_whole_repository(home):
    rendered = subprocess.run(
        [sys.executable, "-m", "repo2docker", "--no-build", "--debug",
         "--user-id", "1000", "--user-name", BINDER_USER, str(home)],
        capture_output=True, text=True, timeout=TIMEOUT, cwd=home,  # it reads a repo2docker_config.py in cwd
    )
    assert rendered.returncode == 0, rendered.stderr[-3000:]
    dockerfile, log = rendered.stdout, rendered.stderr
    assert "Building conda environment for python=3.11" in log, log  # repo2docker's word for its choice

    lines = dockerfile.splitlines()
    install = 'RUN ${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"'
    whole_repository = "COPY --chown=1000:1000 src/ ${REPO_DIR}/"
    assert install in lines, dockerfile
    assert whole_repository in lines, dockerfile
    assert lines.index(install) > lines.index(whole_repository), "the install must see the whole repository"
    assert not [line for line in lines if re.search(r"pip install --no-cache-dir \.$", line)], (
        "repo2docker would reinstall the kit into site-packages, away from migrations/ and alembic.ini"
    )
    assert "HOME=/home/${NB_USER}" in dockerfile
    assert "ARG REPO_DIR=${HOME}" in lines, "the repository must be jovyan's home, so .jupyter/ is ~/.jupyter"


def test_binder_requirements_are_the_root_requirements_held_to_constraints():
    lines = [line.split("#", 1)[0].strip() for line in (PROJECT_ROOT / "binder" / "requirements.txt").read_text().splitlines()]
    assert [line for line in lines if line] == ["-r ../requirements.txt", "-c ../constraints.txt"]
    assert "-e ." in (PROJECT_ROOT / "requirements.txt").read_text().splitlines()
    assert (PROJECT_ROOT / "binder" / "runtime.txt").read_text() == "python-3.11\n"


# -- the start page ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str) -> tuple[int, dict, bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_server_opens_the_start_page_from_the_home_config_without_flags(home, tmp_path):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("JUPYTER", "PYTEST_")) and key != "PYTHONPATH"}
    env.update(HOME=str(home), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    port = _free_port()
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", "--ServerApp.token=", "--ServerApp.password=",
               "--LabApp.news_url=None", *(["--allow-root"] if IS_ROOT else [])]  # jovyan needs no --allow-root
    log = tmp_path / "jupyterlab.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            try:
                if _get(f"{url}/api/status")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)

        status, headers, _ = _get(f"{url}/")
        assert status == 302 and urllib.parse.urlsplit(headers["Location"]).path == f"/lab/tree/{START_PAGE}", headers
        status, _, page = _get(f"{url}/lab/tree/{START_PAGE}")  # the launch URL's urlpath
        assert status == 200 and b"JupyterLab" in page
        status, _, body = _get(f"{url}/api/contents/{START_PAGE}?content=0")
        assert status == 200 and json.loads(body)["type"] == "notebook"
        status, _, body = _get(f"{url}/api/contents/?content=1")  # rooted at the repository, as make lab
        assert {"alembic.ini", "migrator", "notebooks"} <= {item["name"] for item in json.loads(body)["content"]}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


# -- PostgreSQL without root ---------------------------------------------------------------

#: Runs as the Binder user: the copy's kit, the test's installed packages, the real server.
CHILD = textwrap.dedent("""
    import json, os, site, sys
    sys.path.insert(0, os.environ["HOME"])
    for folder in sys.argv[1:]:
        site.addsitedir(folder)
    import psutil
    import sqlalchemy as sa
    import migrator
    from migrator import postgres

    running = postgres.server()
    url = postgres.fresh_database("binder")
    shop = migrator.Workspace("shop", root=os.path.join(os.environ["HOME"], "workspaces"), reset=True,
                              starter="bookshop").with_database(url)
    moved = str(shop.upgrade())
    with sa.create_engine(url).connect() as connection:
        current_user, version = connection.exec_driver_sql("SELECT current_user, version()").one()
        revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    print(json.dumps({
        "euid": os.geteuid(), "kit": migrator.__file__, "data_dir": str(running.data_dir),
        "postmaster": running.pid, "postmaster_user": psutil.Process(running.pid).username(),
        "moved": moved, "revision": revision, "version": version, "stopped": postgres.stop(),
    }))
""")


#: What the user's interpreter must reach: this interpreter's installed packages (site.addsitedir).
PACKAGES = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
PROBE = "import site, sys\nfor f in sys.argv[1:]: site.addsitedir(f)\nimport pgserver, psycopg, psutil, sqlalchemy\n" \
        "print('%d.%d' % sys.version_info[:2])"


def _python_for(user: pwd.struct_passwd) -> str:
    """An interpreter the user may run, of this one's version, that loads this one's packages.

    As root the test's own may live where others cannot reach (pyenv under /root): then the
    system's ``pythonX.Y`` runs the same site-packages.
    """
    wanted = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [sys.executable, shutil.which(f"python{wanted}") or "", f"/usr/bin/python{wanted}"]
    for candidate in filter(None, candidates):
        try:
            probe = subprocess.run([candidate, "-c", PROBE, *PACKAGES], capture_output=True, text=True,
                                   timeout=TIMEOUT, cwd="/", env={"PATH": "/usr/bin:/bin"}, **_as(user))
        except OSError:  # not found, or not the user's to run
            continue
        if probe.returncode == 0 and probe.stdout.strip() == wanted:
            return candidate
    pytest.skip(f"no Python {wanted} that {user.pw_name} may run with {PACKAGES} (the test's own is "
                f"{sys.executable}): nothing to start PostgreSQL with as that user")


def _as(user: pwd.struct_passwd) -> dict:
    return dict(user=user.pw_uid, group=user.pw_gid, extra_groups=[]) if IS_ROOT else {}


@pytest.mark.skipif(not postgres.available(), reason="pgserver has no wheel for this platform")
def test_the_kits_postgresql_starts_and_stops_without_root(home):
    user = _user()
    python = _python_for(user)
    env = {"HOME": str(home), "USER": user.pw_name, "LOGNAME": user.pw_name, "PATH": "/usr/bin:/bin",
           "LANG": "C.UTF-8", "MIGRATOR_QUIET": "1"}
    run = subprocess.run([python, "-c", CHILD, *PACKAGES], cwd=home, env=env, capture_output=True,
                         text=True, timeout=TIMEOUT, **_as(user))
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])

    assert report["euid"] == user.pw_uid != 0
    assert report["kit"] == str(home / "migrator" / "__init__.py")  # the copy's kit, as Binder's editable install
    assert report["data_dir"] == str(home / ".postgres" / user.pw_name / "data")
    assert report["postmaster_user"] == user.pw_name  # not root, not pgserver's own system user
    assert report["moved"].startswith("upgrade base -> 0004")
    assert report["revision"] == "0004" and report["version"].startswith("PostgreSQL 16")
    assert report["stopped"] is True
    assert not Path(f"/proc/{report['postmaster']}").exists() or \
        Path(f"/proc/{report['postmaster']}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    assert (home / ".postgres" / user.pw_name / "data").stat().st_uid == user.pw_uid


# -- the kit installed as a copy -----------------------------------------------------------


def test_a_copy_of_the_kit_without_the_repository_says_how_to_install_it(tmp_path):
    """What repo2docker's ``pip install .`` would leave: the package in site-packages, alone."""
    site = tmp_path / "site-packages"
    shutil.copytree(PROJECT_ROOT / "migrator", site / "migrator", ignore=shutil.ignore_patterns("__pycache__"))
    script = textwrap.dedent("""
        import json, sys
        import migrator
        from migrator import MigratorError, Workspace
        try:
            Workspace("x", root=sys.argv[1], reset=True)
        except MigratorError as error:
            print(json.dumps({"kit": migrator.__file__, "what": error.what, "fix": error.fix}))
    """)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path / "workspaces")], cwd=tmp_path,
                         env={**env, "PYTHONPATH": str(site)}, capture_output=True, text=True, timeout=TIMEOUT)
    assert run.returncode == 0 and run.stdout, run.stderr[-3000:]
    said = json.loads(run.stdout)
    assert said["kit"] == str(site / "migrator" / "__init__.py")
    assert str(site) in said["what"] and "alembic.ini" in said["what"]
    assert "pip install -e ." in said["fix"]
    assert not (tmp_path / "workspaces" / "x").exists()  # no half-made workspace left behind
