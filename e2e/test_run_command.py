"""The README's run command: brings everything up, and Ctrl-C stops every process it started."""

import subprocess
import time

from conftest import port_is_closed, start_run_command


def process_tree(root: int) -> dict[int, str]:
    """pid -> command line of `root` and all its descendants."""
    listing = subprocess.run(["ps", "-ww", "-e", "-o", "pid=,ppid=,args="], capture_output=True, text=True)
    parents, commands = {}, {}
    for line in listing.stdout.splitlines():
        pid, ppid, args = line.split(None, 2)
        parents[int(pid)], commands[int(pid)] = int(ppid), args
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return {pid: commands[pid] for pid in tree if pid in commands}


def alive(pids) -> list[int]:
    listing = subprocess.run(["ps", "-e", "-o", "pid="], capture_output=True, text=True).stdout.split()
    return sorted(set(pids) & {int(pid) for pid in listing})


def test_ctrl_c_stops_every_process_the_run_command_started(tmp_path):
    system = start_run_command(tmp_path, ADMIN_PASSWORD="operator-chosen-password")
    started = process_tree(system.process.pid)
    members = list(started.values())
    assert any("celery" in line and "worker" in line for line in members), members
    assert any("celery" in line and "beat" in line for line in members), members
    assert sum("runserver" in line for line in members) >= 2, members
    assert "operator-chosen-password" not in system.log()

    system.stop()

    deadline = time.monotonic() + 15
    while alive(started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert alive(started) == []
    assert port_is_closed(system.backend_port)
    assert port_is_closed(system.frontend_port)
