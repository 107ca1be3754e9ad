"""Benchmark of `accord backup` and `accord restore` on a database of 1,000,000 mobilities.

    .venv/bin/python bench/backup.py                               # SQLite in var/bench-backup/
    DATABASE_URL=postgres://... .venv/bin/python bench/backup.py   # database accord_bench_backup

Fills a database of its own with `accord generate` when it holds fewer mobilities than asked
(2,000 institutions, 20,000 agreements and 1,000,000 mobilities by default) and puts uploaded
files beside it (200 files of 64 KiB by default). Then, each command in a process of its own
whose time and peak resident memory (the kernel's ru_maxrss of it and what it ran, pg_dump or
pg_restore included) are measured:

1. `accord backup` of that database;
2. `accord restore` of the archive into an empty place (var/bench-backup-restored/, or the
   database accord_bench_backup_restored, both made anew);
3. `accord backup` of the restored place, whose database content (SQLite: `iterdump`;
   PostgreSQL: the SQL `pg_restore` writes from the dump) and files are compared with the first.

Results go to docs/benchmarks.md, one section per database engine.
"""

import argparse
import datetime as dt
import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from harness import DOC, ROOT, machine_facts, masked, use_bench_database, write_section

DATABASE = "accord_bench_backup"
RESTORED_DATABASE = f"{DATABASE}_restored"
MARKER = "backup"
ACCORD = str(ROOT / ".venv" / "bin" / "accord")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutions", type=int, default=2_000)
    parser.add_argument("--agreements", type=int, default=20_000)
    parser.add_argument("--mobilities", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=200, help="Uploaded files to back up.")
    parser.add_argument("--file-kib", type=int, default=64, help="Size of each file, KiB.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="Do not update the docs.")
    return parser.parse_args()


GIVEN_URL = masked(os.environ.get("DATABASE_URL", ""))
ENGINE = use_bench_database("bench-backup", DATABASE)
VAR_DIR = Path(os.environ["ACCORD_VAR_DIR"])
RESTORED_VAR_DIR = VAR_DIR.with_name(VAR_DIR.name + "-restored")
ARCHIVES = VAR_DIR / "archives"

sys.path.insert(0, str(ROOT / "src"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accord.mobility.models import Mobility  # noqa: E402


@dataclass
class Run:
    what: str
    command: str
    seconds: float
    peak_mb: float
    output: str


def source_env() -> dict[str, str]:
    return dict(os.environ)


def restored_env() -> dict[str, str]:
    """The environment of the empty place the archive is restored into."""
    env = dict(os.environ, ACCORD_VAR_DIR=str(RESTORED_VAR_DIR))
    env.pop("ACCORD_MEDIA_ROOT", None)
    if ENGINE == "PostgreSQL":
        parts = urlsplit(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{RESTORED_DATABASE}"))
    return env


def empty_restored_place() -> None:
    shutil.rmtree(RESTORED_VAR_DIR, ignore_errors=True)
    RESTORED_VAR_DIR.mkdir(parents=True)
    if ENGINE == "PostgreSQL":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {RESTORED_DATABASE}")
            cursor.execute(f"CREATE DATABASE {RESTORED_DATABASE}")


def timed(what: str, args: list[str], env: dict[str, str]) -> Run:
    """Run `accord ARGS` as a child process; its wall time and peak RSS (ru_maxrss, which
    counts the largest of it and the processes it waited for: pg_dump, pg_restore)."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen([ACCORD, *args], env=env, stdout=out, stderr=out)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace").strip()
    if process.returncode != 0:
        raise SystemExit(f"accord {' '.join(args)} failed:\n{output}")
    print(f"{what}: {seconds:.1f} s, peak {usage.ru_maxrss / 1024:.0f} MB; {output}")
    return Run(what, f"accord {' '.join(args)}", seconds, usage.ru_maxrss / 1024, output)


def prepare(args: argparse.Namespace) -> str:
    """Migrate, fill the database and the files up to what was asked; say how."""
    call_command("migrate", verbosity=0)
    media = Path(settings.MEDIA_ROOT) / "bench"
    media.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    for number in range(args.files):
        path = media / f"document-{number:05}.pdf"
        content = rng.randbytes(args.file_kib * 1024)
        if not path.exists():
            path.write_bytes(content)
    have = Mobility.objects.count()
    generate = [
        "generate",
        f"--institutions={args.institutions}",
        f"--agreements={args.agreements}",
        f"--mobilities={max(args.mobilities - have, 0)}",
        f"--seed={args.seed}",
    ]
    if have >= args.mobilities:
        return (
            f"filled by an earlier run of this benchmark (`accord generate "
            f"--institutions={args.institutions} --agreements={args.agreements} "
            f"--mobilities={args.mobilities} --seed={args.seed}`)"
        )
    connection.close()
    started = time.perf_counter()
    subprocess.run([ACCORD, *generate], env=source_env(), check=True)  # noqa: S603
    elapsed = time.perf_counter() - started
    return f"generated in {elapsed:.0f} s (`accord {' '.join(generate)}`)"


def database_digest(archive: Path) -> tuple[str, float]:
    """A SHA-256 of the archive's database content as SQL text, and the seconds it took."""
    started = time.perf_counter()
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(dir=ARCHIVES) as tmp, tarfile.open(archive) as tar:
        name = next(n for n in tar.getnames() if n.startswith("database."))
        tar.extract(name, tmp, filter="data")
        path = Path(tmp) / name
        if name == "database.sqlite3":
            with closing(sqlite3.connect(path)) as copy:
                for line in copy.iterdump():
                    digest.update(line.encode() + b"\n")
        else:
            with subprocess.Popen(  # noqa: S603
                ["pg_restore", "--file=-", str(path)],  # noqa: S607
                stdout=subprocess.PIPE,
            ) as process:
                assert process.stdout is not None
                for line in process.stdout:
                    # \restrict carries a key drawn anew by each pg_dump: not data.
                    if not line.startswith((b"\\restrict", b"\\unrestrict")):
                        digest.update(line)
    return digest.hexdigest(), time.perf_counter() - started


def media_digest(archive: Path) -> tuple[int, int, str]:
    digest = hashlib.sha256()
    count = size = 0
    with tarfile.open(archive, "r|gz") as tar:
        for member in tar:
            if member.name.startswith("media/"):
                handle = tar.extractfile(member)
                assert handle is not None
                digest.update(member.name.encode() + b"\0" + handle.read())
                count += 1
                size += member.size
    return count, size, digest.hexdigest()


def database_size() -> int:
    if ENGINE == "PostgreSQL":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
    name = Path(settings.DATABASES["default"]["NAME"])
    return sum(p.stat().st_size for p in name.parent.glob(name.name + "*"))


def mb(size: float) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def section(
    args: argparse.Namespace,
    runs: list[Run],
    facts: dict[str, str],
) -> str:
    command = ".venv/bin/python bench/backup.py"
    if ENGINE == "PostgreSQL":
        command = f"DATABASE_URL={GIVEN_URL} {command}"
    lines = [
        f"<!-- bench:{MARKER}:{ENGINE} -->",
        f"### Backup and restore, {ENGINE}",
        "",
        f"- Date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        *(f"- {label}: {fact}" for label, fact in machine_facts()),
        f"- Data: {facts['data']}",
        f"- Command: `{command}`",
        "- **peak RSS**: ru_maxrss of the command's process, which counts the largest of it "
        "and the processes it ran (pg_dump, pg_restore); `accord check` shows what Django's "
        "start alone takes.",
        "",
        "| step | command | seconds | peak RSS MB |",
        "| --- | --- | ---: | ---: |",
    ]
    for run in runs:
        shown = run.command.replace(str(ROOT) + "/", "")
        lines.append(f"| {run.what} | `{shown}` | {run.seconds:.1f} | {run.peak_mb:.0f} |")
    lines += ["", *(f"- {facts[key]}" for key in ("sizes", "identical")), ""]
    lines.append(f"<!-- /bench:{MARKER}:{ENGINE} -->")
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    print(f"{ENGINE}: {settings.DATABASES['default']['NAME']}", file=sys.stderr)
    filled = prepare(args)
    mobilities = Mobility.objects.count()
    size = database_size()
    ARCHIVES.mkdir(parents=True, exist_ok=True)
    first, second = ARCHIVES / "first.tar.gz", ARCHIVES / "second.tar.gz"
    for archive in (first, second):
        archive.unlink(missing_ok=True)
    empty_restored_place()
    connection.close()

    runs = [
        # What any command holds once Django has started: the floor of the rows below.
        timed("Django's start alone", ["check"], source_env()),
        timed("backup", ["backup", str(first)], source_env()),
        timed("restore into an empty place", ["restore", str(first)], restored_env()),
        timed("backup of the restored place", ["backup", str(second)], restored_env()),
    ]
    first_db, first_seconds = database_digest(first)
    second_db, _ = database_digest(second)
    first_media, second_media = media_digest(first), media_digest(second)
    same_db = "identical" if first_db == second_db else "DIFFERENT"
    same_media = "identical" if first_media == second_media else "DIFFERENT"
    print(f"database content {same_db}, files {same_media}")

    facts = {
        "data": f"{mobilities:,} mobilities; database {mb(size)}; {first_media[0]} uploaded "
        f"files, {mb(first_media[1])}; {filled}",
        "sizes": f"Archive: {mb(first.stat().st_size)} ({first.stat().st_size:,} bytes) for a "
        f"database of {mb(size)} and {mb(first_media[1])} of files.",
        "identical": f"Round trip: the database content of the second backup is {same_db} to "
        f"the first (SHA-256 of its SQL text, {first_seconds:.0f} s to compute), its files "
        f"{same_media}.",
    }
    text = section(args, runs, facts)
    print(text)
    if not args.no_write:
        write_section(f"{MARKER}:{ENGINE}", text)
        print(f"Written to {DOC.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
