"""One agreement's page and the small forms on it: each POST checks the permission,
calls one service and comes back to the page with a message."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accord.core.forms import apply_errors
from accord.core.memberships import staff_institution_ids

from .. import hub, selectors, services
from ..documents import document_file_response
from ..forms import (
    AmendForm,
    CoordinatorForm,
    DocumentUploadForm,
    PartyAddForm,
    ProvisionKindForm,
    RenewForm,
    SignatureForm,
    TransitionForm,
    coordinator_candidates,
    error_text,
    form_error_text,
    language_choices,
)
from ..labels import field_labels
from ..models import Agreement, AgreementParty, AgreementStatus, Provision, ProvisionKind
from ..provisions import PROVISION_FORMS, ProvisionForm, provision_summary
from .base import AuthenticatedRequest
from .presentation import TRANSITION_LABELS, timeline_entries


def _provision_form(
    agreement: Agreement, kind: str, data: Any = None, **kwargs: Any
) -> ProvisionForm | None:
    form_class = PROVISION_FORMS.get(kind)
    if form_class is None:
        return None
    return form_class(data, agreement=agreement, auto_id="id_provision_%s", **kwargs)


def _render_detail(
    request: AuthenticatedRequest, agreement: Agreement, **forms: Any
) -> HttpResponse:
    user = request.user
    may_change = user.has_perm("agreements.change_agreement", agreement)
    may_transition = user.has_perm("agreements.transition_agreement", agreement)
    may_read_history = user.has_perm("agreements.view_history", agreement)
    parties = list(agreement.parties.all())
    # Each party's signature and coordinator are its own staff's to record.
    own_parties = {party.pk for party in parties if user.has_perm("agreements.change_party", party)}
    candidates = (
        coordinator_candidates(party.institution_id for party in parties if party.pk in own_parties)
        if may_change
        else {}
    )
    party_rows = [
        (party, candidates.get(party.institution_id, []), party.pk in own_parties)
        for party in parties
    ]
    former_parties = list(agreement.former_parties.all()) if may_read_history else []
    own_staff_ids = staff_institution_ids(user)
    # Whom the reader works for, when that institution left: they read, and change nothing.
    left = (
        None
        if may_change
        else next((f for f in former_parties if f.institution_id in own_staff_ids), None)
    )
    provision_rows = []
    for provision in agreement.provisions.all():
        summary, label = provision_summary(provision), f"{provision.get_kind_display()}: "
        provision_rows.append((provision, summary.removeprefix(label)))
    kind = forms.get("provision_kind") or request.GET.get("kind", "")
    provision_form = forms.get("provision_form")
    if provision_form is None and may_change:
        provision_form = _provision_form(agreement, kind)
    transitions: list[tuple[str, str, bool]] = []
    blockers: list[str] = []
    if may_transition:
        allowed = services.agreement_allowed_transitions(agreement)
        if AgreementStatus.ACTIVE in allowed:
            blockers = services.activation_blockers(agreement)
        order = list(AgreementStatus.values)
        transitions = [
            (
                status,
                _("Back to negotiation")
                if status == AgreementStatus.NEGOTIATION
                and agreement.status == AgreementStatus.SIGNING
                else TRANSITION_LABELS.get(status, status),
                order.index(status) < order.index(agreement.status)
                or status == AgreementStatus.EXPIRED,
            )
            for status in allowed
        ]
    may_download = user.has_perm("agreements.download_document", agreement)
    linked = {
        name: related
        for name, related in (("renews", agreement.renews), ("amends", agreement.amends))
        if related is not None and user.has_perm("agreements.view_agreement", related)
    }
    context = {
        "nav": "agreements",
        "agreement": agreement,
        "parties": parties,
        "party_rows": party_rows,
        "former_parties": former_parties,
        "left": left,
        "languages": language_choices(agreement.languages, only=True),
        "provision_rows": provision_rows,
        "documents": list(agreement.documents.all()) if may_download else [],
        "may_change": may_change,
        "may_transition": may_transition,
        "may_download": may_download,
        "party_changes_open": agreement.status in services.PARTY_CHANGE_STATUSES,
        "terms_open": agreement.status in services.EDITABLE_STATUSES,
        "ended": agreement.status in (AgreementStatus.EXPIRED, AgreementStatus.TERMINATED),
        "max_upload": settings.ACCORD_DOCUMENT_MAX_BYTES,
        "transitions": transitions,
        "activation_blockers": blockers,
        "provision_kind_form": ProvisionKindForm(
            initial={"kind": kind}, kinds=list(ProvisionKind.choices)
        ),
        "provision_kind": kind if provision_form is not None else "",
        "provision_form": provision_form,
        "party_add_form": PartyAddForm(auto_id="id_party_%s"),
        "upload_form": DocumentUploadForm(auto_id="id_upload_%s"),
        "renew_form": RenewForm(auto_id="id_renew_%s"),
        "amend_form": AmendForm(auto_id="id_amend_%s"),
        "renews": linked.get("renews"),
        "amends": linked.get("amends"),
        "renewals": list(agreement.renewals.all()),
        "amendments": list(agreement.amendments.all()),
        **hub.page_context(agreement, may_change=may_change),
        "timeline": (
            timeline_entries(selectors.agreement_timeline(agreement), agreement, user)
            if may_read_history
            else []
        ),
    }
    return render(request, "agreements/agreement_detail.html", context)


@login_required
@require_GET
def agreement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _render_detail(request, selectors.agreement_for_detail(request.user, pk))


def _for_change(
    request: AuthenticatedRequest, pk: int, perm: str = "agreements.change_agreement"
) -> Agreement:
    """The agreement: 404 when the user may not see it, 403 when they may not do this."""
    agreement = selectors.agreement_for_detail(request.user, pk)
    if not request.user.has_perm(perm, agreement):
        raise PermissionDenied
    return agreement


def _back(agreement: Agreement) -> HttpResponse:
    """To the top of the agreement's page, where the message about what happened shows."""
    return redirect("agreements:detail", pk=agreement.pk)


def _done(request: AuthenticatedRequest, agreement: Agreement, text: str) -> HttpResponse:
    messages.success(request, text)
    return _back(agreement)


def _failed(
    request: AuthenticatedRequest, agreement: Agreement, problem: ValidationError | Form
) -> HttpResponse:
    if isinstance(problem, ValidationError):
        text = error_text(problem, field_labels())
    else:
        text = form_error_text(problem)
    messages.error(request, _("Nothing was changed. %(problem)s") % {"problem": text})
    return _back(agreement)


def _party(request: AuthenticatedRequest, agreement: Agreement, party_pk: int) -> AgreementParty:
    """The agreement's party: 404 when it has no such party, 403 when it is not the user's
    to change (another party's signature, coordinator and leaving are not)."""
    for party in agreement.parties.all():
        if party.pk == party_pk:
            if not request.user.has_perm("agreements.change_party", party):
                raise PermissionDenied
            return party
    raise Http404("No such party.")


def _provision(agreement: Agreement, provision_pk: int) -> Provision:
    for provision in agreement.provisions.all():
        if provision.pk == provision_pk:
            return provision
    raise Http404("No such provision.")


@login_required
@require_POST
def agreement_transition(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = _for_change(request, pk, "agreements.transition_agreement")
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _failed(request, agreement, form)
    to_status = form.cleaned_data["to_status"]
    try:
        services.agreement_transition(
            actor=request.user,
            agreement=agreement,
            to_status=to_status,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        return _failed(request, agreement, error)
    status = AgreementStatus(to_status).label
    return _done(request, agreement, _("The agreement is now: %(status)s.") % {"status": status})


@login_required
@require_POST
def party_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = _for_change(request, pk)
    form = PartyAddForm(request.POST)
    if not form.is_valid():
        return _failed(request, agreement, form)
    institution = form.cleaned_data["institution"]
    try:
        services.party_add(actor=request.user, agreement=agreement, institution=institution)
    except ValidationError as error:
        return _failed(request, agreement, error)
    text = _("%(institution)s was added as a party.") % {"institution": institution.name}
    return _done(request, agreement, text)


@login_required
@require_POST
def party_remove(request: AuthenticatedRequest, pk: int, party_pk: int) -> HttpResponse:
    agreement = _for_change(request, pk)
    party = _party(request, agreement, party_pk)
    try:
        services.party_remove(actor=request.user, party=party)
    except ValidationError as error:
        return _failed(request, agreement, error)
    text = _("%(institution)s is no longer a party.") % {"institution": party.institution.name}
    return _done(request, agreement, text)


@login_required
@require_POST
def party_sign(request: AuthenticatedRequest, pk: int, party_pk: int) -> HttpResponse:
    agreement = _for_change(request, pk)
    party = _party(request, agreement, party_pk)
    form = SignatureForm(request.POST)
    if not form.is_valid():
        return _failed(request, agreement, form)
    try:
        services.party_sign(actor=request.user, party=party, **form.cleaned_data)
    except ValidationError as error:
        return _failed(request, agreement, error)
    text = _("The signature for %(institution)s was recorded.") % {
        "institution": party.institution.name
    }
    return _done(request, agreement, text)


@login_required
@require_POST
def party_coordinator(request: AuthenticatedRequest, pk: int, party_pk: int) -> HttpResponse:
    agreement = _for_change(request, pk)
    party = _party(request, agreement, party_pk)
    form = CoordinatorForm(request.POST, party=party)
    if not form.is_valid():
        return _failed(request, agreement, form)
    try:
        services.party_set_coordinator(
            actor=request.user, party=party, coordinator=form.cleaned_data["coordinator"]
        )
    except ValidationError as error:
        return _failed(request, agreement, error)
    text = _("The coordinator for %(institution)s was saved.") % {
        "institution": party.institution.name
    }
    return _done(request, agreement, text)


@login_required
@require_GET
def provision_form(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The fields of one kind of provision, swapped into the page by htmx; without
    JavaScript the page itself shows them (?kind=)."""
    agreement = _for_change(request, pk)
    kind = request.GET.get("kind", "")
    if not request.htmx:
        url = reverse("agreements:detail", kwargs={"pk": agreement.pk})
        return redirect(f"{url}?kind={kind}#provisions" if kind in PROVISION_FORMS else url)
    return render(
        request,
        "agreements/_provision_form.html",
        {
            "agreement": agreement,
            "provision_form": _provision_form(agreement, kind),
            "provision_kind": kind,
        },
    )


@login_required
@require_POST
def provision_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = _for_change(request, pk)
    kind = request.POST.get("kind", "")
    form = _provision_form(agreement, kind, request.POST)
    if form is None:
        messages.error(request, _("Choose the kind of provision to add."))
        return _back(agreement)
    try:
        services.provision_add(
            actor=request.user, agreement=agreement, kind=kind, terms=request.POST
        )
    except ValidationError as error:
        form.is_valid()
        apply_errors(form, error)
    else:
        return _done(request, agreement, _("The provision was added."))
    return _provision_page(request, agreement, form, kind=kind)


def _provision_page(
    request: AuthenticatedRequest,
    agreement: Agreement,
    form: ProvisionForm,
    *,
    kind: str,
    provision: Provision | None = None,
) -> HttpResponse:
    return render(
        request,
        "agreements/provision_page.html",
        {
            "nav": "agreements",
            "agreement": agreement,
            "provision": provision,
            "kind_label": dict(ProvisionKind.choices).get(kind, kind),
            "provision_kind": kind,
            "form": form,
        },
    )


@login_required
def provision_edit(request: AuthenticatedRequest, pk: int, provision_pk: int) -> HttpResponse:
    agreement = _for_change(request, pk)
    provision = _provision(agreement, provision_pk)
    form = _provision_form(
        agreement, provision.kind, request.POST or None, initial=dict(provision.terms)
    )
    if form is None:
        raise Http404("No form for this kind of provision.")
    if request.method == "POST":
        try:
            services.provision_update(actor=request.user, provision=provision, terms=request.POST)
        except ValidationError as error:
            form.is_valid()
            apply_errors(form, error)
        else:
            return _done(request, agreement, _("The provision was saved."))
    return _provision_page(request, agreement, form, kind=provision.kind, provision=provision)


@login_required
@require_POST
def provision_remove(request: AuthenticatedRequest, pk: int, provision_pk: int) -> HttpResponse:
    agreement = _for_change(request, pk)
    provision = _provision(agreement, provision_pk)
    try:
        services.provision_remove(actor=request.user, provision=provision)
    except ValidationError as error:
        return _failed(request, agreement, error)
    return _done(request, agreement, _("The provision was removed."))


@login_required
@require_POST
def document_upload(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = _for_change(request, pk)
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _failed(request, agreement, form)
    try:
        document = services.document_upload(
            actor=request.user, agreement=agreement, **form.cleaned_data
        )
    except ValidationError as error:
        return _failed(request, agreement, error)
    text = _("%(name)s was uploaded as version %(version)s.") % {
        "name": document.original_name,
        "version": document.version,
    }
    return _done(request, agreement, text)


@login_required
@require_GET
def document_download(request: AuthenticatedRequest, pk: int, document_pk: int) -> FileResponse:
    document = selectors.agreement_document_get(request.user, pk, document_pk)
    return document_file_response(document)


@login_required
@require_POST
def agreement_renew(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = _for_change(request, pk, "agreements.transition_agreement")
    form = RenewForm(request.POST)
    if not form.is_valid():
        return _failed(request, agreement, form)
    try:
        renewal = services.agreement_renew(
            actor=request.user, agreement=agreement, **form.cleaned_data
        )
    except ValidationError as error:
        return _failed(request, agreement, error)
    messages.success(request, _("This is the renewal, for the new period. It starts as a draft."))
    return redirect("agreements:detail", pk=renewal.pk)


@login_required
@require_POST
def agreement_amend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = _for_change(request, pk, "agreements.transition_agreement")
    form = AmendForm(request.POST)
    if not form.is_valid():
        return _failed(request, agreement, form)
    try:
        amendment = services.agreement_amend(
            actor=request.user, agreement=agreement, **form.cleaned_data
        )
    except ValidationError as error:
        return _failed(request, agreement, error)
    messages.success(request, _("This is the amendment. It starts as a draft."))
    return redirect("agreements:detail", pk=amendment.pk)
