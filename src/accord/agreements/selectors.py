"""Every read of agreements goes through here, with the acting user."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accord.core.memberships import staff_institution_ids
from accord.core.models import User

from .models import Agreement, AgreementParty, AgreementStatus


def visibility_condition(user: User) -> Q | None:
    """The Q that limits agreements to those `user` may see; None means no limit."""
    if user.is_authenticated and user.is_staff:
        return None
    public = Q(is_public=True, status=AgreementStatus.ACTIVE)
    if not user.is_authenticated:
        return public
    own = staff_institution_ids(user)
    if not own:
        return public
    party_of_own = AgreementParty.objects.filter(
        agreement_id=OuterRef("pk"), institution_id__in=own
    )
    return public | Q(Exists(party_of_own))


def agreements_visible_to(user: User) -> QuerySet[Agreement]:
    """Agreements `user` may see, with parties and their institutions loaded for lists."""
    queryset = Agreement.objects.all()
    condition = visibility_condition(user)
    if condition is not None:
        queryset = queryset.filter(condition)
    return queryset.prefetch_related(
        Prefetch(
            "parties",
            queryset=AgreementParty.objects.select_related("institution").order_by("id"),
        )
    )


def agreement_get_visible(user: User, pk: int) -> Agreement:
    """The agreement, or 404 whether it does not exist or is not `user`'s to see, so a
    private agreement's existence is never revealed."""
    try:
        return agreements_visible_to(user).get(pk=pk)
    except (Agreement.DoesNotExist, ValueError, TypeError):
        raise Http404("No such agreement.") from None
