"""Throttling of failed logins, per username and per client address, across every process.

Failures are rows of `LoginFailure`, so every web process (and every server behind a load
balancer) sees the same count. After `LOGIN_FAILURE_LIMIT` failures for one username, or from
one address, within `LOGIN_FAILURE_WINDOW_SECONDS`, attempts are refused without checking the
password until enough failures have left the window.
"""

import datetime as dt
import ipaddress
import math

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from .models import LoginFailure, User


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


def _window_start(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def _blocked_until(times: list[dt.datetime], limit: int) -> dt.datetime | None:
    """`times` newest first: blocked until the limit-th newest failure leaves the window."""
    if limit <= 0 or len(times) < limit:
        return None
    return times[limit - 1] + dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def seconds_until_allowed(*, key: str, ip: str | None) -> int:
    """0 when a login attempt may be checked; else how long the caller has to wait."""
    now = timezone.now()
    recent = LoginFailure.objects.filter(at__gte=_window_start(now)).order_by("-at")
    user_limit = settings.LOGIN_FAILURE_LIMIT
    ip_limit = settings.LOGIN_FAILURE_IP_LIMIT
    until = [
        _blocked_until(
            list(recent.filter(username=key).values_list("at", flat=True)[:user_limit]),
            user_limit,
        )
    ]
    if ip:
        until.append(
            _blocked_until(
                list(recent.filter(ip_address=ip).values_list("at", flat=True)[:ip_limit]),
                ip_limit,
            )
        )
    latest = max((moment for moment in until if moment is not None), default=None)
    if latest is None or latest <= now:
        return 0
    return math.ceil((latest - now).total_seconds())


def record_failure(*, key: str, ip: str | None) -> None:
    """Count a failed attempt, and drop the failures that have left the window."""
    now = timezone.now()
    LoginFailure.objects.filter(at__lt=_window_start(now)).delete()
    LoginFailure.objects.create(username=key, ip_address=ip)


def clear_failures(*, key: str) -> None:
    """A successful login forgives the account's earlier failures."""
    LoginFailure.objects.filter(username=key).delete()
