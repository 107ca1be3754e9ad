"""Agreements: creation, edits, lifecycle transitions, renewal and amendment."""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accord.core.audit import audit_record, diff, snapshot
from accord.core.memberships import institution_ids
from accord.core.models import Role, User
from accord.core.text import readable_date
from accord.institutions.models import Institution

from .. import hub
from ..models import Agreement, AgreementKind, AgreementParty, DocumentKind, Provision
from ..provisions import ISO_639_1
from ._base import (
    ALLOWED_TRANSITIONS,
    AUDITED_FIELDS,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    SIGNED_STATUSES,
    SIGNED_UPDATABLE_FIELDS,
    UPDATABLE_FIELDS,
    S,
    _copy_fields,
    _locked,
    _record_change,
    _require_change,
    _require_transition,
)

# Validation of agreement fields --------------------------------------------------------------


def _clean_titles(titles: Any) -> dict[str, str]:
    if titles in (None, ""):
        return {}
    if not isinstance(titles, dict):
        raise ValidationError({"titles": _("Give titles as {language code: title}.")})
    cleaned = {}
    for language, title in titles.items():
        code = str(language).strip().lower()
        if code not in ISO_639_1:
            raise ValidationError(
                {"titles": _("%(code)s is not an ISO 639-1 language code.") % {"code": code}}
            )
        text = str(title or "").strip()
        if len(text) > 300:
            raise ValidationError({"titles": _("A title may have at most 300 characters.")})
        if text:
            cleaned[code] = text
    return cleaned


def _clean_languages(languages: Any) -> list[str]:
    if languages in (None, ""):
        return []
    if isinstance(languages, str):
        languages = languages.replace(",", " ").split()
    cleaned: list[str] = []
    for language in languages:
        code = str(language).strip().lower()
        if code not in ISO_639_1:
            raise ValidationError(
                {
                    "languages": _("%(code)s is not an ISO 639-1 language code (such as en, ru).")
                    % {"code": code}
                }
            )
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def _clean_tags(tags: Any) -> list[str]:
    if tags in (None, ""):
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    cleaned: list[str] = []
    for tag in tags:
        text = " ".join(str(tag).split())
        if not text:
            continue
        if len(text) > MAX_TAG_LENGTH:
            raise ValidationError(
                {"tags": _("A tag may have at most %(max)d characters.") % {"max": MAX_TAG_LENGTH}}
            )
        if text not in cleaned:
            cleaned.append(text)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": _("At most %(max)d tags.") % {"max": MAX_TAGS}})
    return cleaned


def _clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Normalised agreement fields; ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    cleaned = dict(values)
    if "kind" in values and values["kind"] not in AgreementKind.values:
        errors["kind"] = _("Unknown kind of agreement: %(kind)s.") % {"kind": values["kind"]}
    if "title" in values:
        title = " ".join(str(values["title"] or "").split())
        if not title:
            errors["title"] = _("Give the agreement a title.")
        elif len(title) > 300:
            errors["title"] = _("A title may have at most 300 characters.")
        cleaned["title"] = title
    if "description" in values:
        cleaned["description"] = str(values["description"] or "").strip()
    for name, clean in (
        ("titles", _clean_titles),
        ("languages", _clean_languages),
        ("tags", _clean_tags),
    ):
        if name in values:
            try:
                cleaned[name] = clean(values[name])
            except ValidationError as error:
                errors.update({k: v[0] for k, v in error.message_dict.items()})
    for name in ("valid_from", "valid_to"):
        value = values.get(name)
        if value is not None and not isinstance(value, dt.date):
            errors[name] = _("Enter a valid date.")
    for name in ("auto_renew", "is_public"):
        if name in values:
            cleaned[name] = bool(values[name])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_period(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError(
            {
                "valid_to": _("The agreement cannot end before it starts (%(start)s).")
                % {"start": readable_date(valid_from)}
            }
        )


T = TypeVar("T")


def _collect(errors: dict[str, list[ValidationError]], check: Callable[[], T]) -> T | None:
    """`check()`'s result; its ValidationError, if any, added to `errors` instead of raised."""
    try:
        return check()
    except ValidationError as error:
        error.update_error_dict(errors)
        return None


def _check_amendment(kind: str, amends: Agreement | None) -> None:
    if kind == AgreementKind.AMENDMENT and amends is None:
        raise ValidationError({"amends": _("Say which agreement this amendment amends.")})
    if amends is not None and kind != AgreementKind.AMENDMENT:
        raise ValidationError({"kind": _("An agreement that amends another is an amendment.")})


def _clean_institutions(institutions: Sequence[Institution]) -> list[Institution]:
    institutions = list(institutions or [])
    ids = [institution.pk for institution in institutions]
    if len(set(ids)) != len(ids):
        repeated = next(i for i in institutions if ids.count(i.pk) > 1)
        raise ValidationError(
            {
                "institutions": _("%(name)s is named more than once; each party appears once.")
                % {"name": repeated.display_name}
            }
        )
    if len(ids) < 2:
        raise ValidationError(
            {"institutions": _("An agreement needs at least two different institutions.")}
        )
    return institutions


# Agreements ----------------------------------------------------------------------------------


def agreement_create(
    *,
    actor: User,
    kind: str,
    title: str,
    institutions: Sequence[Institution],
    titles: dict[str, str] | None = None,
    description: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    auto_renew: bool = False,
    languages: Iterable[str] = (),
    tags: Iterable[str] = (),
    is_public: bool = False,
    renews: Agreement | None = None,
    amends: Agreement | None = None,
) -> Agreement:
    """A new draft agreement between `institutions` (two or more, each once)."""
    # Every problem with the input is reported at once, not one per attempt.
    errors: dict[str, list[ValidationError]] = {}
    fields = _collect(
        errors,
        lambda: _clean_fields(
            {
                "kind": kind,
                "title": title,
                "titles": titles,
                "description": description,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "auto_renew": auto_renew,
                "languages": list(languages or []),
                "tags": list(tags or []),
                "is_public": is_public,
            }
        ),
    )
    parties = _collect(errors, lambda: _clean_institutions(institutions))
    _collect(errors, lambda: _check_period(valid_from, valid_to))
    _collect(errors, lambda: _check_amendment(kind, amends))
    if errors:
        raise ValidationError(errors)
    assert fields is not None and parties is not None  # no errors: both were cleaned
    institutions = parties
    may_create = actor.is_authenticated and (
        actor.is_staff
        or institution_ids(actor, (Role.ADMIN, Role.OFFICER)) & {i.pk for i in institutions}
    )
    if not may_create:
        raise PermissionDenied(
            _("Only an admin or officer of one of the parties may create this agreement.")
        )
    for name, related in (("renews", renews), ("amends", amends)):
        if related is not None and not actor.has_perm("agreements.view_agreement", related):
            raise ValidationError({name: _("No such agreement.")})

    with transaction.atomic():
        agreement = Agreement(
            **fields,
            status=S.DRAFT,
            renews=renews,
            amends=amends,
            created_by=actor if actor.is_authenticated else None,
        )
        agreement.search_text = agreement.compute_search_text()
        agreement.save()
        AgreementParty.objects.bulk_create(
            [AgreementParty(agreement=agreement, institution=i) for i in institutions]
        )
        changes = snapshot(agreement, AUDITED_FIELDS)
        changes["parties"] = [institution.name for institution in institutions]
        if renews is not None:
            changes["renews"] = renews.pk
        if amends is not None:
            changes["amends"] = amends.pk
        audit_record(actor=actor, action="agreement.created", target=agreement, changes=changes)
    return agreement


def agreement_update(*, actor: User, agreement: Agreement, **changes: Any) -> Agreement:
    """Change the agreement's fields. Once signed, only publicity, tags, description and
    automatic renewal may change; anything else needs an amendment."""
    _require_change(actor, agreement)
    unknown = sorted(set(changes) - set(UPDATABLE_FIELDS))
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    cleaned = _clean_fields(changes)
    with transaction.atomic():
        current = _locked(agreement)
        before = snapshot(current, AUDITED_FIELDS)
        changed = {
            name: value for name, value in cleaned.items() if getattr(current, name) != value
        }
        if current.status in SIGNED_STATUSES:
            frozen = sorted(set(changed) - SIGNED_UPDATABLE_FIELDS)
            if frozen:
                message = _(
                    "A signed agreement (%(status)s) cannot change this; record an amendment."
                ) % {"status": current.get_status_display()}
                raise ValidationError(dict.fromkeys(frozen, message))
        for name, value in changed.items():
            setattr(current, name, value)
        _check_period(current.valid_from, current.valid_to)
        if current.kind == AgreementKind.AMENDMENT and current.amends_id is None:
            raise ValidationError(
                {"kind": _("Only an agreement created as an amendment of another can be one.")}
            )
        if current.kind != AgreementKind.AMENDMENT and current.amends_id is not None:
            raise ValidationError({"kind": _("An agreement that amends another is an amendment.")})
        if not changed:
            return current
        current.search_text = current.compute_search_text()
        current.save()
        audit_record(
            actor=actor,
            action="agreement.updated",
            target=current,
            changes=diff(before, snapshot(current, AUDITED_FIELDS)),
        )
    _copy_fields(current, agreement, (*UPDATABLE_FIELDS, "search_text", "updated_at"))
    return current


def agreement_allowed_transitions(agreement: Agreement) -> list[str]:
    """The statuses the agreement may go to next, in lifecycle order."""
    allowed = ALLOWED_TRANSITIONS.get(agreement.status, set())
    return [status for status in S.values if status in allowed]


def _has_signed_document(agreement: Agreement) -> bool:
    cache = getattr(agreement, "_prefetched_objects_cache", {})
    if "documents" in cache:
        return any(document.kind == DocumentKind.SIGNED for document in cache["documents"])
    return agreement.documents.filter(kind=DocumentKind.SIGNED).exists()


def activation_blockers(agreement: Agreement) -> list[str]:
    """What still stands between the agreement and `active`, in words for the officer."""
    blockers = []
    for party in agreement.parties.all():
        name = party.institution.name
        if not party.signatory_name:
            blockers.append(_("%(party)s: the signatory's name is missing.") % {"party": name})
        if not party.signed_on:
            blockers.append(_("%(party)s: the signing date is missing.") % {"party": name})
    if not _has_signed_document(agreement):
        blockers.append(_("No signed copy of the agreement is attached."))
    if agreement.valid_from is None:
        blockers.append(_("The date the agreement takes effect (valid from) is missing."))
    return blockers


def agreement_transition(
    *, actor: User, agreement: Agreement, to_status: str, reason: str = ""
) -> Agreement:
    """Move the agreement along its lifecycle (see ALLOWED_TRANSITIONS)."""
    _require_transition(actor, agreement)
    reason = (reason or "").strip()
    with transaction.atomic():
        current = _locked(agreement)
        from_status = current.status
        if to_status not in S.values:
            raise ValidationError(
                {"status": _("Unknown status: %(status)s.") % {"status": to_status}}
            )
        if to_status not in ALLOWED_TRANSITIONS[from_status]:
            raise ValidationError(
                {
                    "status": _("Cannot go from %(from)s to %(to)s.")
                    % {"from": S(from_status).label, "to": S(to_status).label}
                }
            )
        if to_status == S.ACTIVE:
            blockers = activation_blockers(current)
            if blockers:
                raise ValidationError({"status": blockers})
        if to_status == S.TERMINATED:
            if not reason:
                raise ValidationError({"reason": _("Say why the agreement is terminated.")})
            current.termination_reason = reason
        current.status = to_status
        current.save(update_fields=["status", "termination_reason", "updated_at"])
        changes: dict[str, Any] = {"status": [from_status, to_status]}
        if reason:
            changes["reason"] = reason
        audit_record(
            actor=actor, action="agreement.status_changed", target=current, changes=changes
        )
        if to_status in (S.EXPIRED, S.TERMINATED):
            hub.agreement_ended(current)
    _copy_fields(current, agreement, ("status", "termination_reason", "updated_at"))
    return current


# Renewal and amendment -----------------------------------------------------------------------


def _copy_parties(source: Agreement, target: Agreement) -> None:
    AgreementParty.objects.bulk_create(
        [
            AgreementParty(
                agreement=target,
                institution_id=party.institution_id,
                coordinator_id=party.coordinator_id,
            )
            for party in source.parties.order_by("id")
        ]
    )


def agreement_renew(
    *, actor: User, agreement: Agreement, valid_from: dt.date, valid_to: dt.date
) -> Agreement:
    """A new draft for the next period, between the same parties, with the same provisions.
    The original stays as it is; the draft points at it."""
    _require_transition(actor, agreement)
    errors: dict[str, str] = {}
    if not isinstance(valid_from, dt.date):
        errors["valid_from"] = _("Give the date the new period starts.")
    if not isinstance(valid_to, dt.date):
        errors["valid_to"] = _("Give the date the new period ends.")
    if errors:
        raise ValidationError(errors)
    _check_period(valid_from, valid_to)
    with transaction.atomic():
        current = _locked(agreement)
        if current.status not in (S.ACTIVE, S.EXPIRED):
            raise ValidationError(
                {"status": _("Only an active or expired agreement can be renewed.")}
            )
        pending = current.renewals.exclude(status=S.TERMINATED).first()
        if pending is not None:
            raise ValidationError(
                {
                    "renews": _("This agreement already has a renewal: %(title)s (%(status)s).")
                    % {"title": pending.title, "status": pending.get_status_display()}
                }
            )
        renewal = Agreement(
            kind=current.kind,
            title=current.title,
            titles=dict(current.titles),
            description=current.description,
            status=S.DRAFT,
            valid_from=valid_from,
            valid_to=valid_to,
            auto_renew=current.auto_renew,
            languages=list(current.languages),
            tags=list(current.tags),
            is_public=current.is_public,
            renews=current,
            amends=current.amends,
            created_by=actor if actor.is_authenticated else None,
        )
        renewal.search_text = renewal.compute_search_text()
        renewal.save()
        _copy_parties(current, renewal)
        Provision.objects.bulk_create(
            [
                Provision(agreement=renewal, kind=provision.kind, terms=provision.terms)
                for provision in current.provisions.order_by("id")
            ]
        )
        changes = snapshot(renewal, AUDITED_FIELDS)
        changes["renews"] = current.pk
        audit_record(actor=actor, action="agreement.created", target=renewal, changes=changes)
        _record_change(
            actor=actor,
            action="agreement.renewed",
            agreement=current,
            changes={
                "renewal": renewal.pk,
                "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat(),
            },
        )
    return renewal


def agreement_amend(
    *, actor: User, agreement: Agreement, title: str, description: str = ""
) -> Agreement:
    """A new draft amendment of the agreement, between the same parties."""
    _require_transition(actor, agreement)
    fields = _clean_fields({"title": title, "description": description})
    with transaction.atomic():
        current = _locked(agreement)
        if current.status not in (S.SIGNING, S.ACTIVE):
            raise ValidationError(
                {
                    "status": _(
                        "Only an agreement being signed or in effect is amended; "
                        "change a draft directly."
                    )
                }
            )
        amendment = Agreement(
            kind=AgreementKind.AMENDMENT,
            title=fields["title"],
            description=fields["description"],
            status=S.DRAFT,
            languages=list(current.languages),
            amends=current,
            created_by=actor if actor.is_authenticated else None,
        )
        amendment.search_text = amendment.compute_search_text()
        amendment.save()
        _copy_parties(current, amendment)
        changes = snapshot(amendment, AUDITED_FIELDS)
        changes["amends"] = current.pk
        audit_record(actor=actor, action="agreement.created", target=amendment, changes=changes)
        _record_change(
            actor=actor,
            action="agreement.amended",
            agreement=current,
            changes={"amendment": amendment.pk, "title": amendment.title},
        )
    return amendment
