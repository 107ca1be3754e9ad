"""Throttling of logins and of password-reset mail, across every process.

Both count rows in the database, so every web process (and every server behind a load
balancer) sees the same counts.

Logins are counted per pair of account and client address, and per address. After
`LOGIN_FAILURE_LIMIT` failures of one pair within `LOGIN_FAILURE_WINDOW_SECONDS`, its next
attempt has to wait 1 second after the last failure, the one after that 2, then 4, 8, ... up to
`LOGIN_DELAY_MAX_SECONDS`; after `LOGIN_FAILURE_IP_LIMIT` failures from one address, at any
accounts, every attempt from there waits the same way. Failures from elsewhere never delay
the right password from an address of one's own: nobody can lock an account by failing at
it. Each attempt is written as a failure before its password is checked, and removed once it
succeeds: attempts sent at once, to one process or to many, count one another.

An IPv6 client is counted by its /64 network, which one client commonly holds whole.

Password-reset mail: at most one per e-mail address every `PASSWORD_RESET_INTERVAL_SECONDS`
and `PASSWORD_RESET_IP_LIMIT` per client address an hour, counted whether or not an account
uses the address, so that a refusal tells nothing about who has an account.
"""

import datetime as dt
import ipaddress
import math

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .models import LoginFailure, PasswordResetRequest, User

PASSWORD_RESET_IP_WINDOW = dt.timedelta(hours=1)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: the connection's, or the one the trusted proxies report.

    With ACCORD_PROXY_COUNT=n, the n-th address from the right of X-Forwarded-For is the one
    the outermost trusted proxy saw; anything further left was written by the client.
    """
    if request is None:
        return None
    proxies = settings.ACCORD_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies and _is_ip(forwarded[-proxies]):
            return forwarded[-proxies]
    address = request.META.get("REMOTE_ADDR", "")
    return address if _is_ip(address) else None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def throttle_key(login: str) -> str:
    """One key per account whether it is named by username or e-mail, case-insensitively."""
    login = login.strip()
    username = (
        User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login))
        .values_list("username", flat=True)
        .first()
    )
    return (username or login).lower()[:254]


def _counted_address(ip: str | None) -> str | None:
    """The address failures are counted for: an IPv4 address, or the /64 network of an IPv6
    address, since one client commonly holds a whole /64."""
    if ip is None or ":" not in ip:
        return ip
    return str(ipaddress.IPv6Network(f"{ip}/64", strict=False).network_address)


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(0, math.ceil((moment - now).total_seconds()))


def _login_delay(failures: QuerySet[LoginFailure], limit: int, now: dt.datetime) -> int:
    """How long to wait after `failures` (earlier ones of one pair or one address, within the
    window): nothing below `limit`, then 1, 2, 4, ... seconds after the latest one."""
    if limit <= 0:
        return 0
    longest = settings.LOGIN_DELAY_MAX_SECONDS
    # Past this many failures the delay is the longest anyway: no need to count further.
    enough = limit + max(0, math.ceil(math.log2(max(longest, 1)))) + 1
    times = list(failures.order_by("-id").values_list("at", flat=True)[:enough])
    if len(times) < limit:
        return 0
    delay = min(longest, 2 ** (len(times) - limit))
    return _seconds_until(times[0] + dt.timedelta(seconds=delay), now)


def _one_at_a_time(*names: str) -> None:
    """Inside a transaction: wait until no other transaction counts and records for these
    names, so that attempts sent at once are counted one after another. SQLite runs one
    writing transaction at a time anyway; PostgreSQL takes an advisory lock for each name,
    always in the same order."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ["accord:" + name])


def login_attempt_start(*, key: str, ip: str | None) -> int:
    """Record an attempt at the account `key` from `ip` as failed, before its password is
    checked, and return 0; or, while that pair or that address has to wait, return the seconds
    left and record nothing: an attempt refused unchecked does not count."""
    ip = _counted_address(ip)
    now = timezone.now()
    window_start = now - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    LoginFailure.objects.filter(at__lt=window_start).delete()
    with transaction.atomic():
        # Every pair holds its address: one lock per address orders the pair's count too.
        _one_at_a_time(f"login-ip:{ip}" if ip else f"login:{key}")
        recent = LoginFailure.objects.filter(at__gte=window_start)
        wait = _login_delay(
            recent.filter(username=key, ip_address=ip), settings.LOGIN_FAILURE_LIMIT, now
        )
        if ip and not wait:
            wait = _login_delay(recent.filter(ip_address=ip), settings.LOGIN_FAILURE_IP_LIMIT, now)
        if not wait:
            LoginFailure.objects.create(username=key, ip_address=ip)
    return wait


def login_succeeded(*, key: str, ip: str | None) -> None:
    """A successful login forgives the failures of its own pair of account and address; the
    address's failures at other accounts still count."""
    ip = _counted_address(ip)
    LoginFailure.objects.filter(username=key, ip_address=ip).delete()


def password_reset_start(*, email: str, ip: str | None) -> int:
    """Record a request for a password-reset mail to `email` from `ip` and return 0; or, while
    the address was sent one too recently or `ip` has asked for too many, return the seconds
    left and record nothing."""
    ip = _counted_address(ip)
    now = timezone.now()
    email = email.strip().lower()[:254]
    interval = dt.timedelta(seconds=settings.PASSWORD_RESET_INTERVAL_SECONDS)
    PasswordResetRequest.objects.filter(
        at__lt=now - max(interval, PASSWORD_RESET_IP_WINDOW)
    ).delete()
    with transaction.atomic():
        _one_at_a_time(f"reset:{email}", *([f"reset-ip:{ip}"] if ip else []))
        earlier = PasswordResetRequest.objects.order_by("-id")
        waits = [0]
        last = earlier.filter(email=email, at__gte=now - interval).values_list("at", flat=True)
        if (last_sent := last.first()) is not None:
            waits.append(_seconds_until(last_sent + interval, now))
        limit = settings.PASSWORD_RESET_IP_LIMIT
        if ip and limit > 0:
            from_ip = earlier.filter(ip_address=ip, at__gte=now - PASSWORD_RESET_IP_WINDOW)
            times = list(from_ip.values_list("at", flat=True)[:limit])
            if len(times) >= limit:
                waits.append(_seconds_until(times[-1] + PASSWORD_RESET_IP_WINDOW, now))
        wait = max(waits)
        if not wait:
            PasswordResetRequest.objects.create(email=email, ip_address=ip)
    return wait
