"""What the load and soak benchmarks share: Accord under gunicorn as `accord serve` runs it, the
bare Django project beside it, the database they read and the users they act as, the logins,
the URLs under load, and wrk.

Import it after `harness.use_bench_database` and before or after Django is set up; the
functions that read the database set up nothing themselves.
"""

import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import IO, Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, build_opener

from harness import ROOT, masked, use_bench_database

BENCH = ROOT / "bench"
WRK = os.environ.get("WRK", "/usr/bin/wrk")
WRK_SCRIPT = BENCH / "wrk_report.lua"
# The password the benchmark gives its own officer, who is made without one.
BENCH_PASSWORD = "bench-load-password"  # noqa: S105 (a generated user of a benchmark database)
TIMEOUT_SECONDS = 10  # wrk's: a later response is an error
TOKEN_NAME = "load benchmark"  # noqa: S105 (the name of a token, not one)


# The set-up -----------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser, *, database: str) -> None:
    """The options the load and soak benchmarks share."""
    parser.add_argument("--database", choices=("sqlite", "postgres"), default=database)
    parser.add_argument("--institutions", type=int, default=10_000)
    parser.add_argument("--agreements", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--commit",
        help="Serve this commit's code (e.g. HEAD), extracted into var/bench-source/, "
        "rather than the working tree.",
    )
    parser.add_argument("--no-write", action="store_true", help="Do not update the docs.")


@dataclass
class Setup:
    engine: str  # "SQLite" or "PostgreSQL"
    given_url: str  # DATABASE_URL as given, password starred
    source: str  # what code is served
    var_dir: Path


def set_up(args: argparse.Namespace) -> Setup:
    """Point settings at the benchmark's database (bench/run.py's: var/bench/ or accord_bench;
    with --quick a small one of its own: var/bench-quick/ or accord_bench_quick), choose the
    code, and set up Django."""
    if args.database == "postgres":
        if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/postgres"
    else:
        os.environ.pop("DATABASE_URL", None)
    if args.quick:
        args.institutions, args.agreements, args.no_write = 1_000, 5_000, True
    given_url = masked(os.environ.get("DATABASE_URL", ""))
    var_name = "bench-quick" if args.quick else "bench"
    engine = use_bench_database(
        var_name, var_name.replace("-", "_").replace("bench", "accord_bench")
    )
    source = use_source(args.commit)
    # Stopped with kill: end as with Ctrl-C, so that the servers are stopped too.
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit("Stopped."))
    import django

    django.setup()
    return Setup(engine, given_url, source, ROOT / "var" / var_name)


def command_line(script: str, setup: Setup, args: argparse.Namespace, *extra: str) -> str:
    """The command that ran the benchmark, to print with its results."""
    words = [".venv/bin/python", f"bench/{script}"]
    if setup.engine == "PostgreSQL":
        words += ["--database", "postgres"]
    if args.commit:
        words += ["--commit", args.commit]
    words += extra
    command = " ".join(words)
    if setup.engine == "PostgreSQL" and setup.given_url:
        command = f"DATABASE_URL={setup.given_url} {command}"
    return command


# The code ------------------------------------------------------------------------------------


def use_source(commit: str | None) -> str:
    """Serve and prepare with the working tree's src/, or with `commit`'s, extracted once
    into var/bench-source/ (so that edits made in the tree while a long run goes on, by
    anyone, do not reach its servers). Call before Django is set up; say what is served."""
    if commit is None:
        source = ROOT / "src"
        described = "the working tree"
    else:
        sha = subprocess.run(  # noqa: S603
            ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{commit}^{{commit}}"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        root = ROOT / "var" / "bench-source" / sha
        if not (root / "src").exists():
            root.mkdir(parents=True, exist_ok=True)
            archive = subprocess.run(  # noqa: S603
                ["git", "-C", str(ROOT), "archive", sha, "src"],  # noqa: S607
                capture_output=True,
                check=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)  # noqa: S603, S607
        source = root / "src"
        described = f"commit {sha[:10]}"
    sys.path.insert(0, str(source))
    # The gunicorns inherit it: it comes before the virtualenv's editable install.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(source), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return described


# The database ---------------------------------------------------------------------------------


def prepare(*, institutions: int, agreements: int, seed: int) -> str:
    """Migrate, fill the database if it is empty (`accord generate`, then the demo), collect
    the static files `accord serve` collects, and say how the database was filled."""
    from django.core.management import call_command
    from django.db import connection

    from accord.agreements.models import Agreement
    from accord.core.demo import demo_load
    from accord.core.generate import generate

    call_command("migrate", verbosity=0)
    if Agreement.objects.exists():
        filled = "existing data"
    else:
        started = time.perf_counter()
        generate(institutions=institutions, agreements=agreements, seed=seed, progress=sys.stderr)
        filled = (
            f"generated in {time.perf_counter() - started:.0f} s (`accord generate "
            f"--institutions {institutions} --agreements {agreements} --seed {seed}`)"
        )
    # Idempotent: on a database that holds it, it adds nothing.
    if demo_load().created_anything:
        filled += ", then `accord demo`"
    else:
        filled += " and the demo"
    if connection.vendor == "postgresql":
        # What autovacuum would do soon after a bulk insert (as bench/run.py does).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    call_command("collectstatic", interactive=False, verbosity=0)
    return filled


@dataclass
class Subjects:
    """Whom the requests act as and what they ask for."""

    list_officer: str  # username of an officer of the institution party to most agreements
    busiest_slug: str
    busiest_name: str
    busiest_agreements: int
    busiest_public: int
    page_officer: str  # username of an officer of a party to the agreement whose page is asked
    page_institution_slug: str  # that officer's institution
    page_institution_name: str
    page_institution_public: int
    page_agreement_id: int
    page_agreement_title: str
    token: str
    data: str


def subjects() -> Subjects:
    """The users, institution and agreement the benchmark asks about, with a fresh API token
    for the list officer (earlier benchmark tokens are revoked)."""
    from django.db.models import Count

    from accord.agreements.models import Agreement, AgreementParty, Provision
    from accord.analytics.selectors import public_agreements_of
    from accord.core.demo.data import SEED_TITLE
    from accord.core.models import ApiToken, Role, User
    from accord.core.services import api_token_create, api_token_revoke, membership_grant
    from accord.institutions.models import Institution

    busiest = (
        Institution.objects.annotate(n=Count("agreement_parties")).order_by("-n", "id").first()
    )
    assert busiest is not None, "the database has no institutions"
    # The same officer as bench/run.py's, with a password to log in with.
    officer, _ = User.objects.get_or_create(
        username="bench-officer", defaults={"email": "officer@bench.example.org"}
    )
    membership_grant(actor=None, institution=busiest, user=officer, role=Role.OFFICER)
    if not officer.check_password(BENCH_PASSWORD):
        officer.set_password(BENCH_PASSWORD)
        officer.save(update_fields=["password"])
    for old in ApiToken.objects.filter(user=officer, name=TOKEN_NAME, revoked_at__isnull=True):
        api_token_revoke(actor=None, token=old)
    _, token = api_token_create(actor=None, user=officer, name=TOKEN_NAME)

    # The seed memorandum, as the demo's KazNU officer sees it: the agreement with the most
    # on its page (provisions, documents, its center, its timeline).
    memorandum = Agreement.objects.get(title=SEED_TITLE)
    page_officer = User.objects.get(username="kaznu-officer")
    kaznu = Institution.objects.get(memberships__user=page_officer, memberships__role=Role.OFFICER)
    return Subjects(
        list_officer=officer.username,
        busiest_slug=busiest.slug,
        busiest_name=busiest.name,
        busiest_agreements=AgreementParty.objects.filter(institution=busiest).count(),
        busiest_public=public_agreements_of([busiest.pk]).count(),
        page_officer=page_officer.username,
        page_institution_slug=kaznu.slug,
        page_institution_name=kaznu.name,
        page_institution_public=public_agreements_of([kaznu.pk]).count(),
        page_agreement_id=memorandum.pk,
        page_agreement_title=memorandum.title,
        token=token,
        data=(
            f"{Institution.objects.count():,} institutions, {Agreement.objects.count():,} "
            f"agreements, {AgreementParty.objects.count():,} parties, "
            f"{Provision.objects.count():,} provisions"
        ),
    )


def demo_password() -> str:
    from django.conf import settings

    return str(settings.ACCORD_DEMO_PASSWORD)


# The servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A gunicorn started with the arguments `accord serve` gives it (worker class, workers,
    threads, access log), bound to a free local port; `wsgi` names the application."""

    def __init__(self, name: str, wsgi: str, log_dir: Path, env: dict[str, str] | None = None):
        from accord.core.management.commands.serve import gunicorn_argv, gunicorn_executable

        self.name = name
        self.port = free_port()
        argv = gunicorn_argv()
        argv[argv.index("--bind") + 1] = f"127.0.0.1:{self.port}"
        argv[argv.index("accord.wsgi")] = wsgi
        self.argv = [gunicorn_executable(), *argv[1:], "--pythonpath", str(BENCH)]
        self.env = {**os.environ, **(env or {})}
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def option(self, name: str) -> str:
        return self.argv[self.argv.index(name) + 1]

    @property
    def settings(self) -> str:
        workers, threads = self.option("--workers"), self.option("--threads")
        return f"{workers} workers x {threads} threads ({self.option('--worker-class')})"

    def start(self, ready_path: str) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 (our own gunicorn)
            self.argv, stdout=self._log, stderr=subprocess.STDOUT, env=self.env
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name}: gunicorn ended; see {self.log_path}")
            try:
                status, _ = get(self.base + ready_path)
            except OSError:
                status = 0
            if status == 200 and len(self.worker_pids()) == int(self.option("--workers")):
                return
            time.sleep(0.3)
        raise SystemExit(f"{self.name}: no answer from {ready_path} in 60 s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's child processes."""
        if self.process is None:
            return []
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()


def rss_kib(pid: int) -> int | None:
    """A process's resident set (VmRSS) in KiB, or None once it has ended."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) if match else None


# Requests -------------------------------------------------------------------------------------


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One GET, redirects not followed: (status, body)."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    connection = http.client.HTTPConnection(host, int(port or 80), timeout=60)
    try:
        connection.request("GET", "/" + path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def login(base: str, username: str, password: str) -> str:
    """Log in through the login form as a browser does; return the Cookie header the browser
    would send afterwards (session, CSRF and language cookies). Fails loudly when the login
    does not redirect and set a session."""
    jar = CookieJar()
    opener = build_opener(HTTPCookieProcessor(jar), _NoRedirect)
    page = opener.open(f"{base}/accounts/login/", timeout=60).read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if match is None:
        raise SystemExit("login: the login page has no CSRF token")
    form = {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password}
    try:
        status = opener.open(f"{base}/accounts/login/", urlencode(form).encode(), timeout=60).status
    except HTTPError as redirect:  # the cookie processor has taken its cookies already
        status = redirect.code
    cookies = {cookie.name: cookie.value for cookie in jar}
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"login as {username} failed: status {status}, no session")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


@dataclass
class Target:
    """A URL under load, the headers it is asked with and what it is."""

    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    in_mix: bool = True  # asked in the mix of URLs in turn (and in the soak)

    def check(self, base: str) -> int:
        """Ask once; fail unless the answer is 200 (a redirect to the login page, a 403 or a
        404 would otherwise be measured as if it were the page). Return the body's size."""
        status, body = get(base + self.path, self.headers)
        if status != 200:
            raise SystemExit(f"{self.label} {self.path} answered {status}, not 200")
        return len(body)

    def wrk_arg(self) -> str:
        """The path and its headers, as wrk_report.lua reads a target."""
        return "\t".join([self.path, *(f"{k}: {v}" for k, v in self.headers.items())])


def accord_targets(base: str, who: Subjects) -> list[Target]:
    """The Accord URLs under load, with the logins they need made now."""
    list_cookie = login(base, who.list_officer, BENCH_PASSWORD)
    page_cookie = login(base, who.page_officer, demo_password())
    return [
        Target(
            "agreement page (party's officer)",
            f"/agreements/{who.page_agreement_id}/",
            {"Cookie": page_cookie},
        ),
        Target("agreements list (officer)", "/agreements/", {"Cookie": list_cookie}),
        Target("public page", f"/p/{who.page_institution_slug}/"),
        Target(
            "API list (Bearer token)",
            "/api/v1/agreements/",
            {"Authorization": f"Bearer {who.token}"},
        ),
        Target("health check", "/healthz"),
        # Every active public agreement of the institution party to the most agreements, on
        # one page: a measure of its own, kept out of the mix.
        Target("public page, busiest institution", f"/p/{who.busiest_slug}/", in_mix=False),
    ]


BARE = Target("bare view (one query, small template)", "/bare/")


# wrk ------------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int
    seconds: float
    non2xx: int
    first_bad_status: str
    socket_errors: int  # connections refused or broken, and timeouts
    timeouts: int  # responses later than the timeout (10 s)
    # wrk counts only the responses that come back: a URL slower than the whole run comes
    # back with no requests and no errors, and each connection's request is counted here.
    unanswered: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors + self.unanswered


def wrk(
    base: str,
    targets: list[Target],
    *,
    connections: int,
    seconds: float,
    threads: int = 2,
) -> WrkResult:
    """Run wrk against one target (its headers as -H), or against several in turn."""
    argv = [
        WRK,
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        f"{TIMEOUT_SECONDS}s",
        "-s",
        str(WRK_SCRIPT),
    ]
    if len(targets) == 1:
        for name, value in targets[0].headers.items():
            argv += ["-H", f"{name}: {value}"]
        argv.append(base + targets[0].path)
    else:
        argv += [base + targets[0].path, "--", *(target.wrk_arg() for target in targets)]
    finished = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    line = next(
        (line for line in finished.stdout.splitlines() if line.startswith("WRK_REPORT ")), None
    )
    if finished.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({finished.returncode}): {finished.stderr.strip()}")
    report = json.loads(line.removeprefix("WRK_REPORT "))
    return WrkResult(
        requests=report["requests"],
        seconds=report["duration_us"] / 1e6,
        non2xx=report["non2xx"],
        first_bad_status=report["first_bad_status"],
        socket_errors=sum(report[kind] for kind in ("connect", "read", "write", "timeout")),
        timeouts=report["timeout"],
        unanswered=connections if report["requests"] == 0 else 0,
        p50_ms=report["p50_us"] / 1000,
        p90_ms=report["p90_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        max_ms=report["max_us"] / 1000,
    )


def loadavg() -> str:
    """The load averages over 1, 5 and 15 minutes, as /proc/loadavg gives them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
