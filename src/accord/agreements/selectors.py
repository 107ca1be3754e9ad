"""Every read of agreements goes through here, with the acting user."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from accord.core.audit import audit_events_for
from accord.core.memberships import staff_institution_ids
from accord.core.models import AuditEvent, User

from .models import Agreement, AgreementDocument, AgreementParty, AgreementStatus, Provision

AnyUser = User | AnonymousUser


def visibility_condition(user: AnyUser) -> Q | None:
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


def _visible(user: AnyUser) -> QuerySet[Agreement]:
    queryset = Agreement.objects.all()
    condition = visibility_condition(user)
    if condition is not None:
        queryset = queryset.filter(condition)
    return queryset


def agreements_visible_to(user: AnyUser) -> QuerySet[Agreement]:
    """Agreements `user` may see, with parties and their institutions loaded for lists."""
    return _visible(user).prefetch_related(
        Prefetch(
            "parties",
            queryset=AgreementParty.objects.select_related("institution").order_by("id"),
        )
    )


def agreement_get_visible(user: AnyUser, pk: int) -> Agreement:
    """The agreement, or 404 whether it does not exist or is not `user`'s to see, so a
    private agreement's existence is never revealed."""
    try:
        return agreements_visible_to(user).get(pk=pk)
    except (Agreement.DoesNotExist, ValueError, TypeError):
        raise Http404("No such agreement.") from None


def agreements_for_list(user: AnyUser) -> QuerySet[Agreement]:
    """Visible agreements with what a list row shows (parties, kinds of provision) loaded
    in a constant number of queries."""
    return agreements_visible_to(user).prefetch_related(
        Prefetch("provisions", queryset=Provision.objects.only("id", "kind", "agreement_id"))
    )


def agreement_for_detail(user: AnyUser, pk: int) -> Agreement:
    """The agreement with everything its page shows loaded: parties with institutions and
    coordinators, provisions, documents, renewals and amendments. 404 when not visible."""
    queryset = (
        _visible(user)
        .select_related("renews", "amends", "created_by")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=AgreementParty.objects.select_related(
                    "institution", "coordinator"
                ).order_by("id"),
            ),
            Prefetch("provisions", queryset=Provision.objects.order_by("id")),
            Prefetch(
                "documents",
                queryset=AgreementDocument.objects.select_related("uploaded_by").order_by(
                    "kind", "-version"
                ),
            ),
            Prefetch("renewals", queryset=_visible(user).order_by("created_at", "id")),
            Prefetch("amendments", queryset=_visible(user).order_by("created_at", "id")),
        )
    )
    try:
        return queryset.get(pk=pk)
    except (Agreement.DoesNotExist, ValueError, TypeError):
        raise Http404("No such agreement.") from None


def agreement_timeline(agreement: Agreement) -> list[AuditEvent]:
    """What happened to the agreement (its parties, provisions and documents included),
    newest first, with each actor loaded."""
    return list(audit_events_for(agreement).order_by("-created_at", "-id"))


def agreement_documents(user: AnyUser, agreement: Agreement) -> list[AgreementDocument]:
    """The agreement's documents, every version, newest first within each kind; 404 for a
    user who may see the agreement but not its documents (public viewers)."""
    if not user.has_perm("agreements.download_document", agreement):
        raise Http404("No such agreement.")
    return list(
        AgreementDocument.objects.filter(agreement=agreement)
        .select_related("uploaded_by")
        .order_by("kind", "-version")
    )


def agreement_document_get(user: AnyUser, agreement_pk: int, document_pk: int) -> AgreementDocument:
    """A document `user` may download. 404 when the agreement is not visible, when the user
    may see it but not its documents (public viewers), and when there is no such document."""
    agreement = agreement_get_visible(user, agreement_pk)
    if not user.has_perm("agreements.download_document", agreement):
        raise Http404("No such document.")
    try:
        document = AgreementDocument.objects.select_related("uploaded_by").get(
            pk=document_pk, agreement_id=agreement.pk
        )
    except (AgreementDocument.DoesNotExist, ValueError, TypeError):
        raise Http404("No such document.") from None
    document.agreement = agreement
    return document
