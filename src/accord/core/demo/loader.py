"""The demo loader: `DemoLoader` writes the institutions, people and agreements of the story
through the services and dates their audit events; `demo_load()` runs it with the research-center
and mobility parts, `world_universities_import()` adds the world list around the demo's own
institutions and `demo_logins()` describes each demo login.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from accord.agreements import services as agreements
from accord.agreements.models import Agreement, AgreementDocument, DocumentKind, Provision
from accord.institutions import services as institutions
from accord.institutions.models import Contact, Institution, Unit

from ..models import AuditEvent, User
from ..services import membership_grant
from .data import CONTACTS, COORDINATORS, INSTITUTIONS, SIGNATORIES, UNITS, USERS, S
from .documents import signed_pdf
from .story import Spec, spread, story

if TYPE_CHECKING:
    from accord.institutions.importer import ImportReport


@dataclass
class DemoResult:
    institutions: int = 0
    units: int = 0
    contacts: int = 0
    users: int = 0
    agreements: int = 0
    # Rows the research-center and mobility parts of the demo added.
    centers: int = 0
    mobilities: int = 0

    @property
    def created_anything(self) -> bool:
        return bool(
            self.institutions
            or self.units
            or self.contacts
            or self.users
            or self.agreements
            or self.centers
            or self.mobilities
        )


class DemoLoader:
    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or timezone.localdate()
        self.now = timezone.now()
        self.result = DemoResult()
        self.institutions: dict[str, Institution] = {}
        self.units: dict[str, Unit] = {}
        self.users: dict[str, User] = {}
        self.rows = {row[0]: row for row in INSTITUTIONS}

    def load(self) -> DemoResult:
        with transaction.atomic():
            self.load_people_and_institutions()
            told = story(self.today)
            for spec in [*told, *spread(self.today, self.rows, {spec.title for spec in told})]:
                self.agreement(spec)
        return self.result

    # Dating events to the story ---------------------------------------------------------------

    def when(self, day: dt.date) -> dt.datetime:
        return min(timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0))), self.now)

    @staticmethod
    def last_event_id() -> int:
        return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def date_events(self, since: int, moments: dict[str, dt.datetime]) -> None:
        """Give the events recorded after `since` the story's moment of their step: `moments`
        maps "created", "signed" and each status to a time; a minute apart in their order."""
        events = list(AuditEvent.objects.filter(pk__gt=since).order_by("pk"))
        for number, event in enumerate(events):
            if event.action == "agreement.status_changed":
                step = event.changes["status"][1]
            elif event.action == "agreement.party_signed":
                step = "signed"
            elif event.action == "agreement.document_uploaded":
                step = (
                    "signed" if event.changes.get("kind") == DocumentKind.SIGNED else S.NEGOTIATION
                )
            else:
                step = "created"
            moment = moments.get(step, moments["created"]) + dt.timedelta(minutes=number)
            event.created_at = min(moment, self.now)
        AuditEvent.objects.bulk_update(events, ["created_at"])

    # Institutions, units and people -----------------------------------------------------------

    def load_people_and_institutions(self) -> None:
        since = self.last_event_id()
        password = ""
        for username, first, last, email, staff, _roles in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                # One hash for every demo login: they share the published demo password.
                password = password or make_password(settings.ACCORD_DEMO_PASSWORD)
                user = User.objects.create(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=email,
                    is_staff=staff,
                    is_superuser=staff,
                    password=password,
                )
                self.result.users += 1
            self.users[username] = user
        admin = self.users["admin"]
        for row in INSTITUTIONS:
            key, name, country, city, kind, schac, names, ror, erasmus, parent = row
            found = (
                Institution.objects.filter(schac_code=schac)
                if schac
                else Institution.objects.filter(name=name, country=country)
            )
            institution = found.first()
            if institution is not None and names and not institution.names:
                # Imported from the world list first: it lacks the names in other languages.
                institutions.institution_update(actor=admin, institution=institution, names=names)
            elif institution is None:
                institution = institutions.institution_create(
                    actor=admin,
                    name=name,
                    country=country,
                    kind=kind,
                    names=names,
                    city=city,
                    website=f"https://{schac}/" if schac else "",
                    ror_id=ror,
                    schac_code=schac,
                    erasmus_code=erasmus,
                    parent=self.institutions[parent] if parent else None,
                )
                self.result.institutions += 1
            self.institutions[key] = institution
        for key, name, kind, names in UNITS:
            institution = self.institutions[key]
            unit = Unit.objects.filter(institution=institution, name=name).first()
            if unit is None:
                unit = institutions.unit_create(
                    actor=admin, institution=institution, name=name, kind=kind, names=names
                )
                self.result.units += 1
            self.units[name] = unit
        for key, name, position, email, unit_name in CONTACTS:
            institution = self.institutions[key]
            if not Contact.objects.filter(institution=institution, name=name).exists():
                institutions.contact_create(
                    actor=admin,
                    institution=institution,
                    name=name,
                    position=position,
                    email=email,
                    unit=self.units[unit_name] if unit_name else None,
                )
                self.result.contacts += 1
        for username, *_rest, roles in USERS:
            for key, role in roles:
                membership_grant(
                    actor=admin,
                    institution=self.institutions[key],
                    user=self.users[username],
                    role=role,
                )
        self.date_events(since, {"created": self.when(dt.date(2014, 6, 2))})

    # Agreements -------------------------------------------------------------------------------

    def actor_for(self, parties: list[str]) -> User:
        for key, username in (("kaznu", "kaznu-officer"), ("uw", "uw-officer")):
            if key in parties:
                return self.users[username]
        return self.users["admin"]

    def terms(self, terms: dict[str, Any]) -> dict[str, Any]:
        """Institution keys and unit names in `terms` replaced by their ids."""
        resolved = dict(terms)
        for name in ("sending_institution", "receiving_institution"):
            if name in resolved:
                resolved[name] = self.institutions[resolved[name]].pk
        if resolved.get("unit_ids"):
            resolved["unit_ids"] = [self.units[unit].pk for unit in resolved["unit_ids"]]
        if resolved.get("unit_id"):
            resolved["unit_id"] = self.units[resolved["unit_id"]].pk
        return {key: "" if value is None else value for key, value in resolved.items()}

    def moments(self, spec: Spec) -> dict[str, dt.datetime]:
        """When each step of the agreement's story happened: drafted months before it takes
        effect, signed a few weeks before, ended the day after its last day."""
        anchor = spec.valid_from if spec.status in (S.ACTIVE, S.EXPIRED, S.TERMINATED) else None
        anchor = min(anchor, self.today) if anchor else None
        wobble = len(spec.title) % 20
        signed = spec.signed_on or (
            anchor - dt.timedelta(days=14 + wobble) if anchor else self.today
        )
        created = (
            signed - dt.timedelta(days=100 + 3 * wobble)
            if anchor
            else self.today - dt.timedelta(days=15 + 4 * wobble)
        )
        moments = {
            "created": created,
            S.NEGOTIATION: created + (signed - created) / 4,
            S.SIGNING: created + (signed - created) * 3 / 4,
            "signed": signed,
        }
        if anchor:
            moments[S.ACTIVE] = max(anchor, signed)
            if spec.valid_to:
                moments[S.EXPIRED] = spec.valid_to + dt.timedelta(days=1)
            moments[S.TERMINATED] = anchor + (self.today - anchor) * 2 / 3
        return {step: self.when(day) for step, day in moments.items()}

    def agreement(self, spec: Spec) -> Agreement:
        existing = Agreement.objects.filter(title=spec.title).first()
        if existing is not None:
            return existing
        since = self.last_event_id()
        moments = self.moments(spec)
        agreement = self.draft(spec)
        self.advance(spec, agreement, moments["signed"].date())
        self.date_events(since, moments)
        Agreement.objects.filter(pk=agreement.pk).update(created_at=moments["created"])
        Provision.objects.filter(agreement=agreement).update(created_at=moments["created"])
        AgreementDocument.objects.filter(agreement=agreement, kind=DocumentKind.SIGNED).update(
            uploaded_at=moments["signed"]
        )
        AgreementDocument.objects.filter(agreement=agreement, kind=DocumentKind.DRAFT).update(
            uploaded_at=moments[S.NEGOTIATION]
        )
        self.result.agreements += 1
        return agreement

    def draft(self, spec: Spec) -> Agreement:
        actor = self.actor_for(spec.parties)
        if spec.renews:
            assert spec.valid_from is not None and spec.valid_to is not None
            agreement = agreements.agreement_renew(
                actor=actor,
                agreement=Agreement.objects.get(title=spec.renews),
                valid_from=spec.valid_from,
                valid_to=spec.valid_to,
            )
            agreements.agreement_update(
                actor=actor, agreement=agreement, title=spec.title, titles=spec.titles
            )
        elif spec.amends:
            agreement = agreements.agreement_amend(
                actor=actor,
                agreement=Agreement.objects.get(title=spec.amends),
                title=spec.title,
                description=spec.description,
            )
            agreements.agreement_update(
                actor=actor,
                agreement=agreement,
                titles=spec.titles,
                valid_from=spec.valid_from,
                valid_to=spec.valid_to,
                tags=list(spec.tags),
                languages=list(spec.languages),
            )
        else:
            agreement = agreements.agreement_create(
                actor=actor,
                kind=spec.kind,
                title=spec.title,
                titles=spec.titles,
                institutions=[self.institutions[key] for key in spec.parties],
                description=spec.description,
                valid_from=spec.valid_from,
                valid_to=spec.valid_to,
                auto_renew=spec.auto_renew,
                languages=spec.languages,
                tags=spec.tags,
                is_public=spec.public,
            )
        for kind, terms in spec.provisions:
            agreements.provision_add(
                actor=actor, agreement=agreement, kind=kind, terms=self.terms(terms)
            )
        for party in agreement.parties.all():
            coordinator = self.coordinator(party.institution_id)
            if coordinator is not None:
                # A party's coordinator is its own staff's to name: here, their own choice.
                agreements.party_set_coordinator(
                    actor=coordinator, party=party, coordinator=coordinator
                )
        return agreement

    def coordinator(self, institution_id: int) -> User | None:
        for key, username in COORDINATORS.items():
            if self.institutions[key].pk == institution_id:
                return self.users[username]
        return None

    def advance(self, spec: Spec, agreement: Agreement, signed_on: dt.date) -> None:
        """Take the draft along its lifecycle to the spec's status; each party's own people
        record its signature where the demo has them, platform staff where it has none."""
        actor = self.actor_for(spec.parties)
        if spec.status == S.DRAFT:
            return
        agreements.agreement_transition(actor=actor, agreement=agreement, to_status=S.NEGOTIATION)
        if spec.status == S.NEGOTIATION:
            self.upload(actor, agreement, spec, DocumentKind.DRAFT)
            return
        agreements.agreement_transition(actor=actor, agreement=agreement, to_status=S.SIGNING)
        parties = list(agreement.parties.select_related("institution"))
        for number, party in enumerate(parties[:1] if spec.status == S.SIGNING else parties):
            name, position = (
                spec.signatories[number]
                if spec.signatories
                else SIGNATORIES[party.institution.country.code][(len(spec.title) + number) % 2]
            )
            agreements.party_sign(
                actor=self.coordinator(party.institution_id) or self.users["admin"],
                party=party,
                signatory_name=name,
                signatory_position=position,
                signed_on=signed_on,
            )
        if spec.status == S.SIGNING:
            return
        self.upload(actor, agreement, spec, DocumentKind.SIGNED)
        agreements.agreement_transition(actor=actor, agreement=agreement, to_status=S.ACTIVE)
        if spec.status in (S.EXPIRED, S.TERMINATED):
            agreements.agreement_transition(
                actor=actor, agreement=agreement, to_status=spec.status, reason=spec.reason
            )

    def upload(self, actor: User, agreement: Agreement, spec: Spec, kind: str) -> None:
        parties = list(agreement.parties.select_related("institution"))
        lines = [
            f"Parties: {', '.join(party.institution.name for party in parties)}",
            f"Valid from {spec.valid_from or '-'} to {spec.valid_to or '-'}",
            "",
            *(
                f"For {party.institution.name}: {party.signatory_name}, "
                f"{party.signatory_position}, {party.signed_on}"
                for party in parties
                if party.signed_on
            ),
        ]
        stem = "signed" if kind == DocumentKind.SIGNED else "draft"
        agreements.document_upload(
            actor=actor,
            agreement=agreement,
            kind=kind,
            file=ContentFile(signed_pdf(spec.title, lines), name=f"agreement-{stem}.pdf"),
        )


def demo_load(today: dt.date | None = None) -> DemoResult:
    """Load the demo data set; what already exists stays as it is."""
    from accord.centers.demo import centers_demo_load
    from accord.mobility.demo import mobility_demo_load

    loader = DemoLoader(today)
    result = loader.load()
    result.centers = centers_demo_load(loader.today)
    result.mobilities = mobility_demo_load(loader.today)
    _date_last_changes()
    return result


def _date_last_changes() -> None:
    """Each agreement last changed when its timeline last moved. The demo dates its events
    to the story (months and years back), while the services that recorded them marked the
    agreements changed at the moment the demo ran."""
    events = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Agreement),
        target_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    last = events.order_by("-created_at").values("created_at")[:1]
    Agreement.objects.filter(Exists(events)).update(updated_at=Subquery(last))


def world_universities_import(path: Path | str | None = None) -> "ImportReport":
    """Add the World Universities and Domains list (the shipped copy unless `path` is given)
    to the register. The demo's own institutions keep their names and details: the import
    changes nothing that was written by hand (institutions/importer.py)."""
    from accord.institutions.importer import DEFAULT_FILE, import_institutions, load_rows

    path = path or DEFAULT_FILE
    return import_institutions(
        load_rows(path), actor=User.objects.filter(username="admin").first(), source=str(path)
    )


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, full name, roles) of each demo login."""
    names = {row[0]: row[1] for row in INSTITUTIONS}
    rows = []
    for username, first, last, _email, staff, roles in USERS:
        described = ["platform staff"] if staff else []
        described += [f"{role} at {names[key]}" for key, role in roles]
        rows.append((username, f"{first} {last}", ", ".join(described)))
    return rows
