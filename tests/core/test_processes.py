"""`accord serve` and `accord worker`."""

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_tasks import task
from django_tasks_db.models import DBTaskResult


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float) -> bytes | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                return response.read()
        except OSError:
            time.sleep(0.3)
    return None


def children_running(parent_pid: int, word: bytes) -> list[int]:
    """Ids of `parent_pid`'s child processes whose command line holds `word`."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == parent_pid and word in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def test_serve_collects_static_files_and_becomes_gunicorn(tmp_path: Path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ACCORD_") and key != "DATABASE_URL"
    }
    env.update(ACCORD_VAR_DIR=str(tmp_path), PORT=str(port), ACCORD_WEB_WORKERS="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "accord", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        body = wait_for(f"http://127.0.0.1:{port}/healthz", seconds=90)
        # Connections on which nothing is sent, as a browser keeps open ahead of need, must
        # not hold up the one worker's other requests.
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        time.sleep(0.3)
        started = time.monotonic()
        beside_idle = wait_for(f"http://127.0.0.1:{port}/healthz", seconds=5)
        waited = time.monotonic() - started
        for connection in idle:
            connection.close()
        command_line = Path(f"/proc/{server.pid}/cmdline").read_bytes().split(b"\0")
        stylesheet = wait_for(f"http://127.0.0.1:{port}/static/accord/app.css", seconds=5)
        housekeeping = children_running(server.pid, b"daily")
    finally:
        server.send_signal(signal.SIGTERM)
        _out, errors = server.communicate(timeout=30)

    assert body == b'{"status": "ok"}', errors.decode()
    assert beside_idle == body, f"no answer within {waited:.1f} s beside idle connections"
    assert any(part.endswith(b"gunicorn") for part in command_line[:2])
    assert b"accord.wsgi" in command_line
    assert stylesheet is not None
    assert housekeeping, "accord daily --repeat runs beside the web server"
    assert list((tmp_path / "static").glob("accord/app.*.css"))
    assert server.returncode == 0


def test_worker_explains_that_tasks_need_the_database_backend(db):
    with pytest.raises(CommandError, match="ACCORD_TASKS=database"):
        call_command("worker", "--batch")


@task()
def add(a: int, b: int) -> int:
    return a + b


def test_worker_runs_queued_tasks_with_the_database_backend(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    queued = add.enqueue(2, 3)

    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    result = DBTaskResult.objects.get(pk=queued.id)
    assert result.status == "SUCCESSFUL"
    assert result.return_value == 5


def test_worker_help_names_the_setting():
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("worker", "--help", stdout=out)


def test_serve_binds_localhost_on_port_unless_told_otherwise(monkeypatch):
    from accord.core.management.commands.serve import gunicorn_argv

    for name in ("PORT", "ACCORD_BIND", "ACCORD_WEB_WORKERS", "ACCORD_WEB_THREADS"):
        monkeypatch.delenv(name, raising=False)
    default = gunicorn_argv()
    monkeypatch.setenv("PORT", "9001")
    on_port = gunicorn_argv()
    monkeypatch.setenv("ACCORD_BIND", "unix:/run/accord/accord.sock")
    monkeypatch.setenv("ACCORD_WEB_WORKERS", "8")
    monkeypatch.setenv("ACCORD_WEB_THREADS", "16")
    bound = gunicorn_argv()

    assert default[:6] == ["gunicorn", "accord.wsgi", "--bind", "127.0.0.1:8000", "--workers", "2"]
    assert on_port[3] == "127.0.0.1:9001"
    assert bound[3:6] == ["unix:/run/accord/accord.sock", "--workers", "8"]
    assert default[6:10] == ["--worker-class", "gthread", "--threads", "4"]
    assert bound[6:10] == ["--worker-class", "gthread", "--threads", "16"]
