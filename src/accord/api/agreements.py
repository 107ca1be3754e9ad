"""Agreements, their parties, provisions and documents: the same services and selectors as the
pages, so the same rules. An agreement the caller may not see answers 404, never 403."""

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from accord.agreements import selectors, services
from accord.agreements.documents import document_file_response
from accord.agreements.filters import AgreementFilterForm
from accord.agreements.models import Agreement, AgreementParty, Provision
from accord.core.models import User
from accord.institutions.models import Institution
from accord.institutions.selectors import institution_by_key

from .agreement_schemas import (
    AgreementCreateIn,
    AgreementFilters,
    AgreementOut,
    AgreementPage,
    AgreementUpdateIn,
    AmendmentIn,
    AuditEventOut,
    CoordinatorIn,
    DocumentOut,
    PartyIn,
    PartyOut,
    Problem,
    ProvisionIn,
    ProvisionOut,
    ProvisionTermsIn,
    RenewalIn,
    SignatureIn,
    TransitionIn,
    render_detail,
    render_document,
    render_page,
    render_party,
    render_person,
    render_provision,
)
from .base import BearerToken, OptionalAuth, json_response

router = Router(tags=["agreements"])

# Reads also serve anonymous callers: they see public active agreements.
READ_AUTH = [BearerToken(), OptionalAuth()]
NULLABLE = frozenset({"valid_from", "valid_to"})


def _actor(request: HttpRequest) -> User:
    """The authenticated caller of a write endpoint (the router's auth admits no one else)."""
    return cast(User, request.user)


def _fresh_detail(request: HttpRequest, agreement_id: int) -> dict[str, Any]:
    return render_detail(request.user, selectors.agreement_for_detail(request.user, agreement_id))


# Input helpers -------------------------------------------------------------------------------


def _institution_by_key(key: int | str, field: str) -> Institution:
    text = str(key).strip()
    institution = institution_by_key(text)
    if institution is None:
        raise ValidationError({field: gettext("No institution %(key)s.") % {"key": text}})
    return institution


def _prefixed(error: ValidationError, prefix: str, keep: tuple[str, ...] = ()) -> ValidationError:
    """The same messages with fields renamed to where they sit in the request body."""
    if not hasattr(error, "error_dict"):
        return ValidationError({prefix.rstrip("."): error.messages})
    return ValidationError(
        {
            (name if name in keep else f"{prefix}{name}"): [m for e in errors for m in e.messages]
            for name, errors in error.error_dict.items()
        }
    )


def _party_of(agreement: Agreement, party_id: int) -> AgreementParty:
    for party in agreement.parties.all():
        if party.pk == party_id:
            party.agreement = agreement
            return party
    raise Http404("No such party.")


def _provision_of(agreement: Agreement, provision_id: int) -> Provision:
    provision = get_object_or_404(Provision, pk=provision_id, agreement_id=agreement.pk)
    provision.agreement = agreement
    return provision


# Endpoints -----------------------------------------------------------------------------------


ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}


@router.get(
    "/",
    response={200: AgreementPage, 422: Problem},
    auth=READ_AUTH,
    summary="List agreements",
    description=(
        "The agreements the caller may see (anonymous callers: public active ones), newest "
        "first unless `sort` says otherwise, filtered like the agreements page. Invalid "
        "filters answer 422 naming the parameter. Counting stops past 1,000 matches (or past "
        "the end of the page asked for): then `count_is_exact` is false and `count` a lower "
        "bound; follow `has_next`."
    ),
)
def agreement_list(request: HttpRequest, filters: Query[AgreementFilters]) -> HttpResponse:
    params = filters.dict(exclude={"page", "page_size"}, exclude_none=True)
    form = AgreementFilterForm(data={k: str(v) for k, v in params.items()})
    if not form.is_valid():
        raise ValidationError(
            {field: [str(m) for m in messages] for field, messages in form.errors.items()}
        )
    queryset = form.filter(selectors.agreements_visible_to(request.user, own_only=form.own_only))
    page = selectors.agreements_page(
        queryset, filters.page, filters.page_size, clamp=False, reader=request.user
    )
    return json_response(render_page(page))


@router.post(
    "/",
    response={201: AgreementOut, **ERRORS},
    summary="Create an agreement",
    description=(
        "A new draft between two or more institutions (`parties`, by slug or id), optionally "
        "with its provisions. The caller must be an admin or officer of one of the parties. "
        "All or nothing: any invalid part answers 422 and creates nothing."
    ),
)
def agreement_create(request: HttpRequest, payload: AgreementCreateIn) -> Status[Any]:
    user = _actor(request)
    institutions = [_institution_by_key(key, "parties") for key in payload.parties]
    related = {}
    for name in ("renews", "amends"):
        pk = getattr(payload, name)
        if pk is not None:
            try:
                related[name] = selectors.agreement_get_visible(user, pk)
            except Http404:
                raise ValidationError({name: gettext("No such agreement.")}) from None
    with transaction.atomic():
        try:
            agreement = services.agreement_create(
                actor=user,
                kind=payload.kind,
                title=payload.title,
                institutions=institutions,
                titles=payload.titles,
                description=payload.description,
                valid_from=payload.valid_from,
                valid_to=payload.valid_to,
                auto_renew=payload.auto_renew,
                languages=payload.languages,
                tags=payload.tags,
                is_public=payload.is_public,
                **related,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "institutions" in error.error_dict:
                error.error_dict["parties"] = error.error_dict.pop("institutions")
            raise
        for index, provision in enumerate(payload.provisions):
            try:
                services.provision_add(
                    actor=user, agreement=agreement, kind=provision.kind, terms=provision.terms
                )
            except ValidationError as error:
                raise _prefixed(error, f"provisions.{index}.terms.") from None
    return Status(201, _fresh_detail(request, agreement.pk))


@router.get(
    "/{agreement_id}",
    response={200: AgreementOut, 404: Problem},
    auth=READ_AUTH,
    summary="An agreement with its parties and provisions",
)
def agreement_detail(request: HttpRequest, agreement_id: int) -> dict[str, Any]:
    return _fresh_detail(request, agreement_id)


@router.patch(
    "/{agreement_id}",
    response={200: AgreementOut, **ERRORS},
    summary="Change an agreement's fields",
    description=(
        "Only the fields given change. A signed agreement (active, expired, terminated) may "
        "change only is_public, tags, description and auto_renew; the rest needs an amendment."
    ),
)
def agreement_update(
    request: HttpRequest, agreement_id: int, payload: AgreementUpdateIn
) -> dict[str, Any]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    changes = payload.dict(exclude_unset=True)
    nulls = [name for name, value in changes.items() if value is None and name not in NULLABLE]
    if nulls:
        raise ValidationError({name: gettext("This field cannot be null.") for name in nulls})
    services.agreement_update(actor=_actor(request), agreement=agreement, **changes)
    return _fresh_detail(request, agreement_id)


@router.post(
    "/{agreement_id}/transitions",
    response={200: AgreementOut, **ERRORS},
    summary="Move an agreement to another status",
    description=(
        "draft -> negotiation -> signing -> active -> expired | terminated (and back from "
        "negotiation to draft, from signing to negotiation). Activation needs every party's "
        "signature and a signed copy; termination needs a reason."
    ),
)
def agreement_transition(
    request: HttpRequest, agreement_id: int, payload: TransitionIn
) -> dict[str, Any]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    services.agreement_transition(
        actor=_actor(request), agreement=agreement, to_status=payload.to, reason=payload.reason
    )
    return _fresh_detail(request, agreement_id)


@router.get(
    "/{agreement_id}/history",
    response={200: list[AuditEventOut], **ERRORS},
    summary="What happened to an agreement, newest first",
)
def agreement_history(request: HttpRequest, agreement_id: int) -> list[dict[str, Any]]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    if not request.user.has_perm("agreements.view_history", agreement):
        raise Http404("No such agreement.")
    return [
        {
            "id": event.pk,
            "action": event.action,
            "actor": render_person(event.actor),
            "changes": event.changes,
            "created_at": event.created_at,
        }
        for event in selectors.agreement_timeline(agreement)
    ]


@router.post(
    "/{agreement_id}/renewals",
    response={201: AgreementOut, **ERRORS},
    summary="Renew an agreement for a new period",
    description="A new draft with the same parties and provisions; the original stays.",
)
def agreement_renew(request: HttpRequest, agreement_id: int, payload: RenewalIn) -> Status[Any]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    renewal = services.agreement_renew(
        actor=_actor(request),
        agreement=agreement,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
    )
    return Status(201, _fresh_detail(request, renewal.pk))


@router.post(
    "/{agreement_id}/amendments",
    response={201: AgreementOut, **ERRORS},
    summary="Start an amendment of an agreement",
)
def agreement_amend(request: HttpRequest, agreement_id: int, payload: AmendmentIn) -> Status[Any]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    amendment = services.agreement_amend(
        actor=_actor(request),
        agreement=agreement,
        title=payload.title,
        description=payload.description,
    )
    return Status(201, _fresh_detail(request, amendment.pk))


@router.post(
    "/{agreement_id}/parties",
    response={201: PartyOut, **ERRORS},
    summary="Add a party",
    description="Only in draft or negotiation.",
)
def party_add(request: HttpRequest, agreement_id: int, payload: PartyIn) -> Status[Any]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    institution = _institution_by_key(payload.institution, "institution")
    party = services.party_add(actor=_actor(request), agreement=agreement, institution=institution)
    return Status(201, render_party(party, show_coordinator=True))


@router.delete(
    "/{agreement_id}/parties/{party_id}",
    response={204: None, **ERRORS},
    summary="Remove a party",
    description=(
        "The party leaves the agreement: only by its own staff's decision (or platform "
        "staff's); another party's staff get 403. Only in draft or negotiation, and never "
        "below two parties. Its staff keep reading the agreement as a former party."
    ),
)
def party_remove(request: HttpRequest, agreement_id: int, party_id: int) -> Status[None]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    services.party_remove(actor=_actor(request), party=_party_of(agreement, party_id))
    return Status(204, None)


@router.post(
    "/{agreement_id}/parties/{party_id}/signature",
    response={200: PartyOut, **ERRORS},
    summary="Record a party's signature",
    description="By the party's own staff (or platform staff); another party's staff get 403.",
)
def party_sign(
    request: HttpRequest, agreement_id: int, party_id: int, payload: SignatureIn
) -> dict[str, Any]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    party = services.party_sign(
        actor=_actor(request),
        party=_party_of(agreement, party_id),
        signatory_name=payload.signatory_name,
        signatory_position=payload.signatory_position,
        signed_on=payload.signed_on,
    )
    return render_party(party, show_coordinator=True)


@router.put(
    "/{agreement_id}/parties/{party_id}/coordinator",
    response={200: PartyOut, **ERRORS},
    summary="Set a party's coordinator",
    description="By the party's own staff (or platform staff); another party's staff get 403.",
)
def party_set_coordinator(
    request: HttpRequest, agreement_id: int, party_id: int, payload: CoordinatorIn
) -> dict[str, Any]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    coordinator = None
    if payload.coordinator is not None:
        coordinator = User.objects.filter(pk=payload.coordinator).first()
        if coordinator is None:
            raise ValidationError({"coordinator": gettext("No such user.")})
    party = services.party_set_coordinator(
        actor=_actor(request), party=_party_of(agreement, party_id), coordinator=coordinator
    )
    return render_party(party, show_coordinator=True)


@router.post(
    "/{agreement_id}/provisions",
    response={201: ProvisionOut, **ERRORS},
    summary="Add a provision",
    description="Only before the agreement is signed; after that, record an amendment.",
)
def provision_add(request: HttpRequest, agreement_id: int, payload: ProvisionIn) -> Status[Any]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    try:
        provision = services.provision_add(
            actor=_actor(request), agreement=agreement, kind=payload.kind, terms=payload.terms
        )
    except ValidationError as error:
        raise _prefixed(error, "terms.", keep=("kind",)) from None
    provision.agreement = agreement
    return Status(201, render_provision(provision))


@router.put(
    "/{agreement_id}/provisions/{provision_id}",
    response={200: ProvisionOut, **ERRORS},
    summary="Replace a provision's terms",
)
def provision_update(
    request: HttpRequest, agreement_id: int, provision_id: int, payload: ProvisionTermsIn
) -> dict[str, Any]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    try:
        provision = services.provision_update(
            actor=_actor(request),
            provision=_provision_of(agreement, provision_id),
            terms=payload.terms,
        )
    except ValidationError as error:
        raise _prefixed(error, "terms.", keep=("kind",)) from None
    return render_provision(provision)


@router.delete(
    "/{agreement_id}/provisions/{provision_id}",
    response={204: None, **ERRORS},
    summary="Remove a provision",
)
def provision_remove(request: HttpRequest, agreement_id: int, provision_id: int) -> Status[None]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    services.provision_remove(
        actor=_actor(request), provision=_provision_of(agreement, provision_id)
    )
    return Status(204, None)


@router.get(
    "/{agreement_id}/documents",
    response={200: list[DocumentOut], **ERRORS},
    summary="An agreement's documents, every version",
    description="For the parties' staff; others get 404.",
)
def document_list(request: HttpRequest, agreement_id: int) -> list[dict[str, Any]]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    return [render_document(d) for d in selectors.agreement_documents(request.user, agreement)]


@router.post(
    "/{agreement_id}/documents",
    response={201: DocumentOut, **ERRORS},
    summary="Upload a document (a new version)",
    description=(
        "Multipart form with `kind` (draft, signed, annex) and `file`: a PDF, DOCX or ODT "
        "document, judged by its content, up to the configured size. Each upload is a new "
        "version; none is overwritten."
    ),
)
def document_upload(
    request: HttpRequest,
    agreement_id: int,
    kind: Form[str],
    file: File[UploadedFile],
) -> Status[Any]:
    agreement = selectors.agreement_get_visible(request.user, agreement_id)
    document = services.document_upload(
        actor=_actor(request), agreement=agreement, kind=kind, file=file
    )
    return Status(201, render_document(document))


@router.get(
    "/{agreement_id}/documents/{document_id}/download",
    response={200: None, **ERRORS},
    url_name="agreement_document_download",
    summary="Download a document",
    description="The file itself, for the parties' staff; others get 404.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The document.",
                "content": {
                    media: {"schema": {"type": "string", "format": "binary"}}
                    for media in (
                        "application/pdf",
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        "application/vnd.oasis.opendocument.text",
                    )
                },
            }
        }
    },
)
def document_download(request: HttpRequest, agreement_id: int, document_id: int) -> FileResponse:
    document = selectors.agreement_document_get(request.user, agreement_id, document_id)
    return document_file_response(document)
