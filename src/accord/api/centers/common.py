"""Authentication, error responses and helpers the centers endpoints share."""

import datetime as dt
from typing import cast

from django.http import HttpRequest
from django.utils import timezone

from accord.core.models import User

from ..agreement_schemas import Problem
from ..base import BearerToken, OptionalAuth

READ_AUTH = [BearerToken(), OptionalAuth()]
ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


# Helpers -------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value
