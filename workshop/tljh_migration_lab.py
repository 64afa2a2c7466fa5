# The Littlest JupyterHub (one big VM) for Migration Lab: copy this file to
#     /opt/tljh/config/jupyterhub_config.d/migration_lab.py
# set the two passwords below, then `sudo tljh-config reload`. Steps in docs/workshop.md.
# TLJH reads this folder after its own settings, so these lines win. Each learner is a real
# system user (jupyter-learner01, ...) in a systemd unit: their home is theirs alone, and the
# root-owned course in /srv/migration-lab is read-only for them (unlike a laptop hub, where every
# learner runs as the instructor's own OS user).
c = get_config()  # noqa: F821

COURSE = "/srv/migration-lab"
LEARNERS = 30

c.JupyterHub.authenticator_class = "shared-password"  # JupyterHub >= 5.3: check /opt/tljh/hub/bin/jupyterhub --version
c.SharedPasswordAuthenticator.user_password = "CHANGE-ME: 8+ characters, read aloud in the room"
c.SharedPasswordAuthenticator.admin_password = "CHANGE-ME: 32+ characters, the instructor's alone....."
c.Authenticator.admin_users = {"instructor"}
c.Authenticator.allowed_users = {f"learner{n:02d}" for n in range(1, LEARNERS + 1)}
c.JupyterHub.admin_access = False

c.Spawner.cmd = [f"{COURSE}/workshop/start-learner.sh"]  # copies the course into $HOME once, then JupyterLab
c.Spawner.default_url = "/lab/tree/notebooks/00_start_here.ipynb"
c.Spawner.environment = {
    "PYTHONPATH": COURSE,
    "PYTHONDONTWRITEBYTECODE": "1",
    # Kernels on unix sockets in a short folder of the learner's own (a socket path must fit in
    # 108 bytes): with loopback TCP, servers starting kernels at once can get the same free port
    # and talk to another learner's kernel (docs/workshop.md, "kernels").
    "JUPYTER_RUNTIME_DIR": lambda spawner: f"/tmp/migration-lab-{spawner.user.name}",
}
c.Spawner.args = ["--KernelManager.transport=ipc"]
