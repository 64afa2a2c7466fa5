# JupyterHub for a room: one machine, N learners, one shared password, the instructor an admin.
#
# Start it with `make workshop N=30` (or `python -m tools.workshop --learners 30`): that command
# makes the read-only course snapshot, the passwords and the state folder, then runs
#     jupyterhub -f workshop/jupyterhub_config.py
# with the MIGRATION_LAB_* variables below set. docs/workshop.md explains every choice.
#
# - Login: JupyterHub's SharedPasswordAuthenticator (JupyterHub >= 5.3). Learners are
#   learner01 .. learnerNN and all use one password; `instructor` is the only admin and uses a
#   second, long password (the admin page: /hub/admin).
# - Servers: SimpleLocalProcessSpawner, every learner's JupyterLab runs as the hub's own OS user
#   (no root, no system users), with its own home folder <state>/home/<learner>.
# - Course: pre_spawn_hook copies the committed course into that home the first time (never
#   over a learner's work); the kit (`migrator`) is imported from the read-only snapshot.
# - Proxy: configurable-http-proxy, the Python implementation from PyPI (no Node needed),
#   started by tools/proxy.py so that it forwards more than 10 requests at a time.
import os
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from tools.workshop import kernel_runtime, learner_copy, learner_names  # noqa: E402

STATE = Path(os.environ["MIGRATION_LAB_WORKSHOP_DIR"])
COURSE = STATE / "course"  # the read-only snapshot tools.workshop made
LEARNERS = int(os.environ["MIGRATION_LAB_LEARNERS"])
BIN = Path(sys.executable).parent  # the venv that runs the hub runs everything else too

c = get_config()  # noqa: F821 (JupyterHub defines get_config when it reads this file)

# Where the room connects, and the hub's and proxy's own loopback ports.
c.JupyterHub.bind_url = os.environ.get("MIGRATION_LAB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{os.environ.get('MIGRATION_LAB_HUB_PORT', '8081')}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('MIGRATION_LAB_PROXY_API_PORT', '8001')}"
# The Python proxy with its client pool raised from 10 (tools/proxy.py says why: a room's 503s)
c.ConfigurableHTTPProxy.command = [sys.executable, str(REPOSITORY / "tools" / "proxy.py")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.ConfigurableHTTPProxy.auth_token = os.environ["MIGRATION_LAB_PROXY_TOKEN"]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server and kernels
c.JupyterHub.cleanup_proxy = True

# Login: one password for the room, a separate one for the instructor (admin).
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ["MIGRATION_LAB_PASSWORD"]
c.SharedPasswordAuthenticator.admin_password = os.environ["MIGRATION_LAB_ADMIN_PASSWORD"]
c.Authenticator.admin_users = {"instructor"}
c.Authenticator.allowed_users = set(learner_names(LEARNERS))
c.JupyterHub.admin_access = False  # the instructor manages servers, but does not open learners' files

# Every learner: JupyterLab on the start page, in a home of their own, the kit from the snapshot.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "home" / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/notebooks/00_start_here.ipynb"
c.Spawner.notebook_dir = str(STATE / "home" / "{username}")
# The kit is compiled in the snapshot already; nothing may write bytecode into it (root could).
c.Spawner.environment = {
    "PYTHONPATH": str(COURSE),
    "PYTHONDONTWRITEBYTECODE": "1",
    # Kernels talk to their server over unix sockets in a folder of the learner's own, not over
    # loopback TCP ports: servers starting kernels at the same moment can be handed the same free
    # port, and a learner's server then talks to another learner's kernel (tools/workshop.py).
    "JUPYTER_RUNTIME_DIR": lambda spawner: str(kernel_runtime(STATE) / spawner.user.name),
}
c.Spawner.args = ["--KernelManager.transport=ipc"]
if os.getuid() == 0:  # CI and containers run as root; JupyterLab refuses without being told
    c.Spawner.args.append("--allow-root")
c.Spawner.start_timeout = int(os.environ.get("MIGRATION_LAB_START_TIMEOUT", "120"))
c.Spawner.http_timeout = int(os.environ.get("MIGRATION_LAB_START_TIMEOUT", "120"))
c.JupyterHub.concurrent_spawn_limit = 0  # a room logs in at once; 0 = no limit (the default is 100)


def copy_course(spawner):
    """Give the learner their own copy of the course, once: a restart keeps their work."""
    learner_copy(COURSE, Path(spawner.home_dir))


c.Spawner.pre_spawn_hook = copy_course
