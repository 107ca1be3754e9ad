"""Imports whose process stopped: who runs an import, whether it still lives, and the scratch
files it leaves.

A running import names its process in `runner` ("host:pid:start") and refreshes
`heartbeat_at` while it checks rows. It is stale when that process is gone (seen from the
same host) or silent for longer than STALE_AFTER. While it writes, it holds a lock instead:
its own row on PostgreSQL (so stale imports are looked for with SKIP LOCKED) and the
database's write lock on SQLite (so they are marked without waiting for it); a process that
dies loses both at once.
"""

import datetime as dt
import os
import shutil
import socket
import tempfile
from pathlib import Path

from django.conf import settings

from ..models import ImportStatus, MobilityImport

# A running import writes its heartbeat every PROGRESS_INTERVAL (half a second) while it
# checks rows; this long without one, nobody runs it any more.
STALE_AFTER = dt.timedelta(minutes=5)
# A queued import waits for a worker; this long without one, none will take it.
QUEUED_STALE_AFTER = dt.timedelta(hours=1)

_HOST = socket.gethostname()
_PROC = Path("/proc/self/stat")


def _start_ticks(pid: int) -> str | None:
    """When the process started (clock ticks since boot, from Linux's /proc), None when it
    does not run (or is a zombie); "" where /proc cannot tell."""
    if not _PROC.exists():
        return ""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    # The command name (2nd field) may hold spaces; the fields after it are plain.
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def runner_identity() -> str:
    """This process, as `runner` records it: host, pid and start, so that a later process with
    the same pid is not taken for it."""
    pid = os.getpid()
    return f"{_HOST}:{pid}:{_start_ticks(pid) or ''}"


def runner_gone(runner: str) -> bool:
    """True when `runner` names a process on this host that no longer runs. A process of
    another host cannot be seen from here: its heartbeat tells."""
    parts = runner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != _HOST or not parts[1].isdigit():
        return False
    pid, started = int(parts[1]), parts[2]
    now_started = _start_ticks(pid)
    if now_started is None:
        return True
    if now_started == "":
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return bool(started) and started != now_started


def stale_reason(mobility_import: MobilityImport, now: dt.datetime) -> str | None:
    """ "stopped" or "not_started" when nothing runs this import any more, else None."""
    status = mobility_import.status
    if status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return None
    last_sign = mobility_import.heartbeat_at or mobility_import.created_at
    if status == ImportStatus.QUEUED:
        if last_sign is not None and now - last_sign > QUEUED_STALE_AFTER:
            return "not_started"
        return None
    if mobility_import.runner and runner_gone(mobility_import.runner):
        return "stopped"
    if last_sign is not None and now - last_sign > STALE_AFTER:
        return "stopped"
    return None


# Scratch files ---------------------------------------------------------------------------------


def scratch_root() -> Path:
    return Path(settings.VAR_DIR) / "tmp" / "mobility-imports"


def scratch_dir(import_id: int | None) -> Path:
    """The folder of an import's temporary files, created empty; one of its own for a check
    outside any import (a dry run), named after this process."""
    root = scratch_root()
    root.mkdir(parents=True, exist_ok=True)
    if import_id is None:
        return Path(tempfile.mkdtemp(prefix=f"check-{os.getpid()}-", dir=root))
    folder = root / f"import-{import_id}"
    shutil.rmtree(folder, ignore_errors=True)  # what an earlier, stopped run left
    folder.mkdir()
    return folder


def scratch_remove(import_id: int) -> None:
    shutil.rmtree(scratch_root() / f"import-{import_id}", ignore_errors=True)


def scratch_sweep(running_ids: set[int]) -> int:
    """Remove the scratch folders on this host of imports no longer running, and of dry
    runs whose process is gone; how many were removed."""
    root = scratch_root()
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.iterdir():
        kind, _sep, rest = folder.name.partition("-")
        number = rest.split("-", 1)[0]
        if not number.isdigit():
            continue
        if kind == "import" and int(number) not in running_ids:
            orphan = True
        elif kind == "check":
            orphan = _start_ticks(int(number)) is None
        else:
            orphan = False
        if orphan:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
