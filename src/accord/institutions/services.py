"""Every write to the institutions register: institutions, their units and contacts.

Each service checks the actor's permission, validates, writes in one transaction and records
an audit event with the before/after of what changed.
"""

from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accord.core.audit import audit_record, diff
from accord.core.models import User
from accord.core.text import romanise
from accord.core.validators import (
    clean_names,
    normalize_erasmus_code,
    normalize_ror_id,
    normalize_schac_code,
)

from .models import Contact, Institution, Unit

Actor = User | AnonymousUser | None

INSTITUTION_FIELDS = (
    "name",
    "names",
    "kind",
    "country",
    "city",
    "website",
    "ror_id",
    "schac_code",
    "erasmus_code",
    "parent",
    "description",
)
UNIT_FIELDS = ("name", "names", "kind", "parent", "description")
CONTACT_FIELDS = ("name", "position", "email", "phone", "unit")

SLUG_MAX_LENGTH = Institution._meta.get_field("slug").max_length or 120
# Paths under /institutions/ that an institution's slug must not take.
RESERVED_SLUGS = frozenset({"new"})


# Permissions


def _require_add(actor: Actor) -> User:
    if not isinstance(actor, User) or not actor.has_perm("institutions.add_institution"):
        raise PermissionDenied(_("Only platform staff may add institutions to the register."))
    return actor


def _require_change(actor: Actor, institution: Institution) -> User:
    if not isinstance(actor, User) or not actor.has_perm(
        "institutions.change_institution", institution
    ):
        raise PermissionDenied(
            _("Only platform staff and the institution's own admins may change it.")
        )
    return actor


# Values


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _optional_code(value: Any, normalize: Any) -> str | None:
    text = _text(value)
    return normalize(text) if text else None


def _institution_values(values: dict[str, Any]) -> dict[str, Any]:
    """What a caller gave, in the form it is stored."""
    cleaned: dict[str, Any] = {}
    for field, value in values.items():
        if field == "names":
            cleaned[field] = clean_names(value)
        elif field == "country":
            cleaned[field] = _text(value).upper()
        elif field == "ror_id":
            cleaned[field] = _optional_code(value, normalize_ror_id)
        elif field == "schac_code":
            cleaned[field] = _optional_code(value, normalize_schac_code)
        elif field == "erasmus_code":
            cleaned[field] = _optional_code(value, normalize_erasmus_code)
        elif field in ("parent", "kind"):
            cleaned[field] = value
        else:
            cleaned[field] = _text(value)
    return cleaned


def institution_state(institution: Institution) -> dict[str, Any]:
    """The audited fields, as plain values."""
    return {
        "name": institution.name,
        "names": dict(institution.names),
        "kind": institution.kind,
        "country": institution.country.code if institution.country else "",
        "city": institution.city,
        "website": institution.website,
        "ror_id": institution.ror_id,
        "schac_code": institution.schac_code,
        "erasmus_code": institution.erasmus_code,
        "parent": institution.parent.slug if institution.parent is not None else None,
        "description": institution.description,
    }


def _created(state: dict[str, Any]) -> dict[str, list[Any]]:
    return {field: [None, value] for field, value in state.items() if value not in (None, "", {})}


def _removed(state: dict[str, Any]) -> dict[str, list[Any]]:
    return {field: [value, None] for field, value in state.items() if value not in (None, "", {})}


# Slugs


def slug_base(name: str, schac_code: str | None = None) -> str:
    """The name as a slug, romanised; a name with no letters left falls back on the domain."""
    limit = SLUG_MAX_LENGTH - 8  # room for a "-NNNNNNN" suffix
    base = slugify(romanise(name))[:limit].strip("-")
    if not base and schac_code:
        base = slugify(schac_code.replace(".", "-"))[:limit].strip("-")
    return base or "institution"


def unique_slug(base: str, taken: Container[str]) -> str:
    """`base`, or `base-2`, `base-3`… whichever is free."""
    if base not in taken and base not in RESERVED_SLUGS:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _new_slug(institution: Institution) -> str:
    base = slug_base(institution.name, institution.schac_code)
    taken = set(Institution.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    return unique_slug(base, taken)


# Shared checks


def _check_institution_parent(institution: Institution) -> None:
    ancestor = institution.parent
    seen: set[int] = set()
    while ancestor is not None and ancestor.pk not in seen:
        if institution.pk is not None and ancestor.pk == institution.pk:
            raise ValidationError(
                {"parent": _("An institution cannot be part of itself or of its own parts.")}
            )
        seen.add(ancestor.pk)
        ancestor = ancestor.parent


def _save(obj: models.Model) -> None:
    """Save, turning a uniqueness race lost to a concurrent writer into a clear error."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "Someone saved a conflicting change at the same moment; please try again."
                )
            }
        ) from None


@contextmanager
def _restored_on_error(obj: models.Model) -> Iterator[None]:
    """Undo in-memory changes to `obj` when a service refuses them."""
    try:
        yield
    except ValidationError:
        if obj.pk is not None:
            obj.refresh_from_db()
        raise


def _validate(obj: models.Model, check: Callable[[Any], None], **full_clean: Any) -> None:
    """Run the service's own checks and the model's, and report all their errors at once."""
    errors: dict[str, list[ValidationError]] = {}
    for validate in (lambda: check(obj), lambda: obj.full_clean(**full_clean)):
        try:
            validate()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


# Institutions


def institution_create(
    *,
    actor: Actor,
    name: str,
    country: str,
    kind: str,
    names: dict[str, str] | None = None,
    city: str = "",
    website: str = "",
    ror_id: str | None = None,
    schac_code: str | None = None,
    erasmus_code: str | None = None,
    parent: Institution | None = None,
    description: str = "",
) -> Institution:
    user = _require_add(actor)
    values = _institution_values(
        {
            "name": name,
            "names": names,
            "kind": kind,
            "country": country,
            "city": city,
            "website": website,
            "ror_id": ror_id,
            "schac_code": schac_code,
            "erasmus_code": erasmus_code,
            "parent": parent,
            "description": description,
        }
    )
    institution = Institution(**values)
    institution.search_text = institution.compute_search_text()
    with transaction.atomic():
        institution.slug = _new_slug(institution)
        _validate(institution, _check_institution_parent, exclude=["search_text"])
        _save(institution)
        audit_record(
            actor=user,
            action="institution.created",
            target=institution,
            changes=_created(institution_state(institution)),
        )
    return institution


def institution_update(*, actor: Actor, institution: Institution, **changes: Any) -> Institution:
    """Change any of INSTITUTION_FIELDS. The slug stays, so links keep working."""
    unknown = set(changes) - set(INSTITUTION_FIELDS)
    if unknown:
        raise TypeError(f"institution_update() cannot change {', '.join(sorted(unknown))}")
    user = _require_change(actor, institution)
    values = _institution_values(changes)
    with _restored_on_error(institution), transaction.atomic():
        before = institution_state(institution)
        for field, value in values.items():
            setattr(institution, field, value)
        institution.search_text = institution.compute_search_text()
        changed = diff(before, institution_state(institution))
        if not changed:
            return institution
        _validate(institution, _check_institution_parent, exclude=["search_text"])
        _save(institution)
        audit_record(actor=user, action="institution.updated", target=institution, changes=changed)
    return institution


# Units


def unit_state(unit: Unit) -> dict[str, Any]:
    return {
        "name": unit.name,
        "names": dict(unit.names),
        "kind": unit.kind,
        "parent": unit.parent.name if unit.parent is not None else None,
        "description": unit.description,
    }


def _unit_values(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field, value in values.items():
        if field == "names":
            cleaned[field] = clean_names(value)
        elif field in ("parent", "kind"):
            cleaned[field] = value
        else:
            cleaned[field] = _text(value)
    return cleaned


def _check_unit(unit: Unit) -> None:
    errors: dict[str, str] = {}
    if unit.parent is not None:
        if unit.parent.institution_id != unit.institution_id:
            errors["parent"] = _("Choose a unit of the same institution.")
        else:
            ancestor: Unit | None = unit.parent
            seen: set[int] = set()
            while ancestor is not None and ancestor.pk not in seen:
                if unit.pk is not None and ancestor.pk == unit.pk:
                    errors["parent"] = _("A unit cannot be part of itself or of its own parts.")
                    break
                seen.add(ancestor.pk)
                ancestor = ancestor.parent
    if (
        unit.name
        and Unit.objects.filter(institution_id=unit.institution_id, name__iexact=unit.name)
        .exclude(pk=unit.pk)
        .exists()
    ):
        errors["name"] = _("This institution already has a unit with this name.")
    if errors:
        raise ValidationError(errors)


def unit_create(
    *,
    actor: Actor,
    institution: Institution,
    name: str,
    kind: str,
    parent: Unit | None = None,
    names: dict[str, str] | None = None,
    description: str = "",
) -> Unit:
    user = _require_change(actor, institution)
    values = _unit_values(
        {"name": name, "kind": kind, "parent": parent, "names": names, "description": description}
    )
    unit = Unit(institution=institution, **values)
    with transaction.atomic():
        _validate(unit, _check_unit, validate_constraints=False)
        _save(unit)
        audit_record(
            actor=user,
            action="unit.created",
            target=unit,
            changes={"institution": [None, institution.slug], **_created(unit_state(unit))},
        )
    return unit


def unit_update(*, actor: Actor, unit: Unit, **changes: Any) -> Unit:
    unknown = set(changes) - set(UNIT_FIELDS)
    if unknown:
        raise TypeError(f"unit_update() cannot change {', '.join(sorted(unknown))}")
    user = _require_change(actor, unit.institution)
    values = _unit_values(changes)
    with _restored_on_error(unit), transaction.atomic():
        before = unit_state(unit)
        for field, value in values.items():
            setattr(unit, field, value)
        changed = diff(before, unit_state(unit))
        if not changed:
            return unit
        _validate(unit, _check_unit, validate_constraints=False)
        _save(unit)
        audit_record(actor=user, action="unit.updated", target=unit, changes=changed)
    return unit


def unit_remove(*, actor: Actor, unit: Unit) -> None:
    """Remove a unit without sub-units; its contacts stay with the institution."""
    user = _require_change(actor, unit.institution)
    with transaction.atomic():
        if unit.children.exists():
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: _(
                        "“%(unit)s” has units of its own: remove them or move them first."
                    )
                    % {"unit": unit.name}
                }
            )
        audit_record(
            actor=user,
            action="unit.removed",
            target=unit,
            changes={"institution": [unit.institution.slug, None], **_removed(unit_state(unit))},
        )
        try:
            with transaction.atomic():
                unit.delete()
        except (ProtectedError, RestrictedError):
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: _(
                        "“%(unit)s” is still referred to elsewhere in Accord and cannot be removed."
                    )
                    % {"unit": unit.name}
                }
            ) from None


# Contacts


def contact_state(contact: Contact) -> dict[str, Any]:
    return {
        "name": contact.name,
        "position": contact.position,
        "email": contact.email,
        "phone": contact.phone,
        "unit": contact.unit.name if contact.unit is not None else None,
    }


def _contact_values(values: dict[str, Any]) -> dict[str, Any]:
    return {field: value if field == "unit" else _text(value) for field, value in values.items()}


def _check_contact(contact: Contact) -> None:
    errors: dict[str, str] = {}
    if contact.unit is not None and contact.unit.institution_id != contact.institution_id:
        errors["unit"] = _("Choose a unit of the same institution.")
    if not contact.email and not contact.phone:
        errors["email"] = _("Give an e-mail address or a phone number.")
    if errors:
        raise ValidationError(errors)


def contact_create(
    *,
    actor: Actor,
    institution: Institution,
    name: str,
    position: str = "",
    email: str = "",
    phone: str = "",
    unit: Unit | None = None,
) -> Contact:
    user = _require_change(actor, institution)
    values = _contact_values(
        {"name": name, "position": position, "email": email, "phone": phone, "unit": unit}
    )
    contact = Contact(institution=institution, **values)
    with transaction.atomic():
        _validate(contact, _check_contact)
        _save(contact)
        audit_record(
            actor=user,
            action="contact.created",
            target=contact,
            changes={"institution": [None, institution.slug], **_created(contact_state(contact))},
        )
    return contact


def contact_update(*, actor: Actor, contact: Contact, **changes: Any) -> Contact:
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"contact_update() cannot change {', '.join(sorted(unknown))}")
    user = _require_change(actor, contact.institution)
    values = _contact_values(changes)
    with _restored_on_error(contact), transaction.atomic():
        before = contact_state(contact)
        for field, value in values.items():
            setattr(contact, field, value)
        changed = diff(before, contact_state(contact))
        if not changed:
            return contact
        _validate(contact, _check_contact)
        _save(contact)
        audit_record(actor=user, action="contact.updated", target=contact, changes=changed)
    return contact


def contact_remove(*, actor: Actor, contact: Contact) -> None:
    user = _require_change(actor, contact.institution)
    with transaction.atomic():
        audit_record(
            actor=user,
            action="contact.removed",
            target=contact,
            changes={
                "institution": [contact.institution.slug, None],
                **_removed(contact_state(contact)),
            },
        )
        contact.delete()
