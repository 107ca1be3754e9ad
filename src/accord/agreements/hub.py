"""What other domains add to an agreement.

The agreements app names its extension points here and imports no domain app. Each domain
declares everything it adds in one module of its own, `<app>/agreement_hub.py`, as one
`AgreementContribution`, and its AppConfig registers it when Django starts. The agreement's
services, its page and `accord daily` read the contributions; a reader who opens a domain's
declaration sees all that the domain adds to an agreement.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_tasks.base import Task

    from .models import Agreement


@dataclass(frozen=True)
class AgreementContribution:
    app_label: str
    # The agreement page's context for the domain's panel: (agreement, may_change) -> names
    # the page's template reads.
    page_context: Callable[["Agreement", bool], dict[str, Any]] | None = None
    # Runs inside the transaction that ends an agreement (expired or terminated).
    on_agreement_ended: Callable[["Agreement"], object] | None = None
    # The tasks `accord daily` runs, in order.
    daily_jobs: tuple["Task[Any, Any]", ...] = ()
    # Research centers that a `center_access` provision may name: the (id, label) options among
    # the given institutions' centers, and the names of the given centers with their units.
    center_options: Callable[[Iterable[int]], list[tuple[int, str]]] | None = None
    centers_named: Callable[[Iterable[int]], list[tuple[str, int | None]]] | None = None


_contributions: dict[str, AgreementContribution] = {}


def register(contribution: AgreementContribution) -> None:
    """Called by a domain's AppConfig.ready(); registering again replaces its declaration."""
    _contributions[contribution.app_label] = contribution


def contributions() -> list[AgreementContribution]:
    return list(_contributions.values())


def page_context(agreement: "Agreement", *, may_change: bool) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for contribution in contributions():
        if contribution.page_context is not None:
            context.update(contribution.page_context(agreement, may_change))
    return context


def agreement_ended(agreement: "Agreement") -> None:
    for contribution in contributions():
        if contribution.on_agreement_ended is not None:
            contribution.on_agreement_ended(agreement)


def daily_jobs() -> list["Task[Any, Any]"]:
    return [job for contribution in contributions() for job in contribution.daily_jobs]


def center_options(institution_ids: Iterable[int]) -> list[tuple[int, str]]:
    return [
        option
        for contribution in contributions()
        if contribution.center_options is not None
        for option in contribution.center_options(institution_ids)
    ]


def centers_named(center_ids: Iterable[int]) -> list[tuple[str, int | None]]:
    return [
        named
        for contribution in contributions()
        if contribution.centers_named is not None
        for named in contribution.centers_named(center_ids)
    ]
