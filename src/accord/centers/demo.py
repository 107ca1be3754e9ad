"""The centers part of `accord demo`: KazNU's Azerbaijani Center of History and Culture and the
shared laboratories of ANAS, their facilities, opening hours, a maintenance closure, training
records, and bookings of partners' scientists, past and future.

Centers, facilities and future bookings are written through the services, by the demo's people;
past bookings (which no service may create) are recorded as they would have ended. The seed
memorandum's center_access provision then names both centers. Loading again adds nothing."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accord.agreements.models import Agreement, Provision, ProvisionKind
from accord.core.demo import CENTER_NAME, SEED_TITLE
from accord.core.models import User
from accord.institutions.models import Institution, Unit

from . import services
from .models import Booking, BookingStatus, Facility, FacilityKind, ResearchCenter

ANAS_CENTER_NAME = "Shared Research Laboratories of ANAS"
AZ_KZ = "Azerbaijanis of Kazakhstan"

WEEKDAYS = range(5)
KAZNU_FACILITIES: list[dict[str, Any]] = [
    {
        "name": "Archive reading room",
        "names": {"ru": "Архивный читальный зал", "kk": "Мұрағат оқу залы"},
        "kind": FacilityKind.ARCHIVE,
        "capacity": 4,
        "slot_minutes": 60,
        "description": (
            "Twelve desks with reading lamps; documents on the history of Azerbaijanis in "
            "Kazakhstan, press of the 1920s-1990s, personal papers of scholars."
        ),
    },
    {
        "name": "Manuscript collection",
        "names": {"ru": "Собрание рукописей", "kk": "Қолжазбалар қоры"},
        "kind": FacilityKind.COLLECTION,
        "capacity": 1,
        "slot_minutes": 120,
        "description": (
            "Manuscripts and early printed books in Azerbaijani, Persian and Chagatai, "
            "consulted under supervision."
        ),
    },
    {
        "name": "Digitisation lab",
        "names": {"ru": "Лаборатория оцифровки", "kk": "Цифрландыру зертханасы"},
        "kind": FacilityKind.LAB,
        "capacity": 1,
        "slot_minutes": 60,
        "requires_training": True,
        "training_note": "Handling of rare documents and the book scanner, 2 hours",
        "free_under_agreement": False,
        "price_per_hour": Decimal("4500.00"),
        "currency": "KZT",
        "description": "A cradle book scanner (A2, 600 dpi) and a copy stand for photographs.",
    },
    {
        "name": "Seminar room",
        "names": {"ru": "Семинарская аудитория", "kk": "Семинар аудиториясы"},
        "kind": FacilityKind.ROOM,
        "capacity": 1,
        "slot_minutes": 60,
        "description": "Thirty seats, a projector and a video link for joint seminars.",
    },
]
ANAS_FACILITIES: list[dict[str, Any]] = [
    {
        "name": "X-ray diffractometer",
        "names": {"az": "Rentgen difraktometri", "ru": "Рентгеновский дифрактометр"},
        "kind": FacilityKind.INSTRUMENT,
        "capacity": 1,
        "slot_minutes": 120,
        "requires_training": True,
        "training_note": "Radiation safety induction and instrument course",
        "description": "Powder diffractometer with a Cu tube, at the Institute of Physics.",
    },
    {
        "name": "Scanning electron microscope",
        "names": {"az": "Skanedici elektron mikroskopu", "ru": "Сканирующий электронный микроскоп"},
        "kind": FacilityKind.INSTRUMENT,
        "capacity": 1,
        "slot_minutes": 60,
        "requires_training": True,
        "training_note": "Instrument course with the lab engineer",
        "free_under_agreement": False,
        "price_per_hour": Decimal("40.00"),
        "currency": "AZN",
        "description": "SEM with energy-dispersive X-ray spectroscopy.",
    },
    {
        "name": "Manuscript and archive laboratory",
        "names": {"az": "Əlyazma və arxiv laboratoriyası", "ru": "Лаборатория рукописей и архивов"},
        "kind": FacilityKind.LAB,
        "capacity": 2,
        "slot_minutes": 60,
        "description": "Conservation and study of manuscripts, at the Institute of History.",
    },
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _weekday_after(day: dt.date, days: int) -> dt.date:
    """The first Monday-to-Friday day at least `days` after `day`."""
    found = day + dt.timedelta(days=days)
    while found.weekday() not in WEEKDAYS:
        found += dt.timedelta(days=1)
    return found


class CentersDemo:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rows = 0
        self.users = {user.username: user for user in User.objects.filter(username__in=[
            "admin", "kaznu-officer", "kaznu-student", "kaznu-reviewer", "anas-coordinator",
            "anas-researcher"])}  # fmt: skip
        self.kaznu = Institution.objects.get(schac_code="kaznu.kz")
        self.anas = Institution.objects.get(schac_code="science.az")

    def load(self) -> int:
        if ResearchCenter.objects.filter(institution=self.kaznu, name=CENTER_NAME).exists():
            return 0
        kaznu_center, kaznu_facilities = self.kaznu_center()
        anas_center, anas_facilities = self.anas_center()
        self.name_centers_in_memorandum([kaznu_center, anas_center])
        self.history(kaznu_facilities, anas_facilities)
        self.future(kaznu_facilities, anas_facilities)
        return self.rows

    def facilities(
        self, actor: User, center: ResearchCenter, specs: list[dict[str, Any]]
    ) -> dict[str, Facility]:
        made = {}
        for spec in specs:
            facility = services.facility_create(actor=actor, center=center, **spec)
            made[facility.name] = facility
            self.rows += 1
        return made

    def kaznu_center(self) -> tuple[ResearchCenter, dict[str, Facility]]:
        officer = self.users["kaznu-officer"]
        center = services.center_create(
            actor=officer,
            institution=self.kaznu,
            name=CENTER_NAME,
            unit=Unit.objects.filter(institution=self.kaznu, name=CENTER_NAME).first(),
            description=(
                "The center keeps an archive and a library on the history and culture of "
                "Azerbaijan and of Azerbaijanis in Kazakhstan, runs language courses and "
                "exhibitions, and hosts joint research of KazNU and the Azerbaijan National "
                "Academy of Sciences. In 2018 it held the conference for the 100th "
                "anniversary of the Azerbaijan Democratic Republic, the 95th anniversary of "
                "Heydar Aliyev and the 135th anniversary of Huseyn Javid."
            ),
            address="71 al-Farabi Avenue, Library building, 3rd floor",
            city="Almaty",
            contact_name="Aigerim Tulegenova",
            contact_email="azcenter@kaznu.kz",
            contact_phone="+7 727 377 33 33",
            is_public=True,
            names={
                "kk": "Әзербайжан тарихы мен мәдениеті орталығы",
                "ru": "Центр истории и культуры Азербайджана",
                "az": "Azərbaycan Tarixi və Mədəniyyəti Mərkəzi",
            },
        )
        services.center_set_managers(actor=officer, center=center, users=[officer])
        self.rows += 1
        facilities = self.facilities(officer, center, KAZNU_FACILITIES)
        weekdays = [(day, dt.time(9), dt.time(18)) for day in WEEKDAYS]
        for name, facility in facilities.items():
            hours = list(weekdays)
            if name == "Archive reading room":
                hours.append((5, dt.time(10), dt.time(14)))
            services.opening_hours_set(actor=officer, facility=facility, hours=hours)
            self.rows += len(hours)
        closed = _weekday_after(self.today, 24)
        services.blackout_add(
            actor=officer,
            facility=facilities["Digitisation lab"],
            starts_at=_at(closed, 9),
            ends_at=_at(closed + dt.timedelta(days=2), 18),
            reason="Scanner maintenance",
        )
        self.rows += 1
        for gated in ("Digitisation lab", "Manuscript collection"):
            services.training_grant(
                actor=officer, facility=facilities[gated], user=self.users["anas-researcher"]
            )
            self.rows += 1
        return center, facilities

    def anas_center(self) -> tuple[ResearchCenter, dict[str, Facility]]:
        admin, coordinator = self.users["admin"], self.users["anas-coordinator"]
        center = services.center_create(
            actor=admin,
            institution=self.anas,
            name=ANAS_CENTER_NAME,
            description=(
                "Instruments and laboratories of the institutes of the Academy, open to the "
                "scientists of its partners: structure analysis at the Institute of Physics, "
                "manuscripts and archives at the Institute of History."
            ),
            address="131 H. Javid Avenue",
            city="Baku",
            contact_name="Elnur Mammadov",
            contact_email="labs@science.az",
            contact_phone="+994 12 538 23 21",
            is_public=True,
            names={
                "az": "AMEA-nın Kollektiv İstifadə Laboratoriyaları",
                "ru": "Лаборатории коллективного пользования НАНА",
            },
        )
        services.center_set_managers(actor=admin, center=center, users=[coordinator])
        self.rows += 1
        facilities = self.facilities(coordinator, center, ANAS_FACILITIES)
        for facility in facilities.values():
            hours = [(day, dt.time(9), dt.time(17)) for day in WEEKDAYS]
            services.opening_hours_set(actor=coordinator, facility=facility, hours=hours)
            self.rows += len(hours)
        services.training_grant(
            actor=coordinator,
            facility=facilities["X-ray diffractometer"],
            user=self.users["kaznu-reviewer"],
        )
        self.rows += 1
        return center, facilities

    def name_centers_in_memorandum(self, centers: list[ResearchCenter]) -> None:
        """The memorandum opens both centers. Its terms are frozen since it took effect, so
        they are completed here as they read when it was signed."""
        memorandum = Agreement.objects.filter(title=SEED_TITLE).first()
        if memorandum is None:
            return
        for provision in Provision.objects.filter(
            agreement=memorandum, kind=ProvisionKind.CENTER_ACCESS
        ):
            terms = dict(provision.terms)
            terms["center_ids"] = sorted(
                {*(terms.get("center_ids") or []), *(c.pk for c in centers)}
            )
            Provision.objects.filter(pk=provision.pk).update(terms=terms)

    def history(self, kaznu: dict[str, Facility], anas: dict[str, Facility]) -> None:
        """Completed visits of the past months, and a request that was turned down."""
        memorandum = Agreement.objects.filter(title=SEED_TITLE).first()
        provision = (
            Provision.objects.filter(agreement=memorandum, kind=ProvisionKind.CENTER_ACCESS).first()
            if memorandum
            else None
        )
        researcher, officer = self.users["anas-researcher"], self.users["kaznu-officer"]
        reviewer, coordinator = self.users["kaznu-reviewer"], self.users["anas-coordinator"]
        visits = [
            # facility, requester, institution, weeks ago, hour, hours, purpose, project
            (kaznu["Archive reading room"], researcher, self.anas, 20, 10, 4,
             "Press of the Azerbaijani community of Almaty, 1926-1937", AZ_KZ),
            (kaznu["Archive reading room"], researcher, self.anas, 19, 10, 4,
             "Press of the Azerbaijani community of Almaty, 1938-1950", AZ_KZ),
            (kaznu["Manuscript collection"], researcher, self.anas, 12, 10, 2,
             "Huseyn Javid's letters: comparison of copies", "Huseyn Javid, 135 years"),
            (kaznu["Digitisation lab"], researcher, self.anas, 11, 14, 3,
             "Scanning the Javid letters for the joint edition", "Huseyn Javid, 135 years"),
            (kaznu["Seminar room"], officer, self.kaznu, 8, 15, 2,
             "Joint seminar with ANAS on the anniversary conference", ""),
            (anas["X-ray diffractometer"], reviewer, self.kaznu, 6, 9, 4,
             "Phase analysis of thin films for the joint physics project", ""),
            (kaznu["Archive reading room"], researcher, self.anas, 3, 10, 3,
             "Personal papers of Azerbaijani scholars at KazNU", "Azerbaijanis of Kazakhstan"),
        ]  # fmt: skip
        rows = []
        for facility, person, institution, weeks, hour, hours, purpose, project in visits:
            day = _weekday_after(self.today - dt.timedelta(weeks=weeks), 0)
            partner = institution.pk != facility.center.institution_id
            manager = officer if facility.center.institution_id == self.kaznu.pk else coordinator
            rows.append(
                Booking(
                    facility=facility,
                    requester=person,
                    institution=institution,
                    agreement=memorandum if partner else None,
                    provision=provision if partner else None,
                    starts_at=_at(day, hour),
                    ends_at=_at(day, hour + hours),
                    purpose=purpose,
                    project=project,
                    status=BookingStatus.COMPLETED,
                    decided_by=manager,
                    decided_at=_at(day - dt.timedelta(days=7), 11),
                )
            )
        refused_day = _weekday_after(self.today - dt.timedelta(weeks=9), 0)
        rows.append(
            Booking(
                facility=kaznu["Manuscript collection"],
                requester=researcher,
                institution=self.anas,
                agreement=memorandum,
                provision=provision,
                starts_at=_at(refused_day, 9),
                ends_at=_at(refused_day, 17),
                purpose="Whole-day study of the Nizami manuscripts",
                status=BookingStatus.REJECTED,
                decision_reason="The Nizami manuscripts are on loan to an exhibition until May.",
                decided_by=officer,
                decided_at=_at(refused_day - dt.timedelta(days=10), 12),
            )
        )
        Booking.objects.bulk_create(rows)
        self.rows += len(rows)

    def future(self, kaznu: dict[str, Facility], anas: dict[str, Facility]) -> None:
        """Coming visits: approved, and requests waiting for the managers."""
        researcher, officer = self.users["anas-researcher"], self.users["kaznu-officer"]
        student, reviewer = self.users["kaznu-student"], self.users["kaznu-reviewer"]
        coordinator = self.users["anas-coordinator"]
        plans = [
            # facility, requester, days ahead, hour, hours, purpose, project, approver
            (kaznu["Archive reading room"], researcher, 3, 10, 3,
             "Letters of Azerbaijani evacuees, 1941-1945", "Azerbaijanis of Kazakhstan", officer),
            (kaznu["Manuscript collection"], researcher, 4, 10, 2,
             "Collation of the Javid manuscripts", "Huseyn Javid, 135 years", officer),
            (kaznu["Seminar room"], student, 6, 15, 2,
             "Student club on Azerbaijani literature", "", officer),
            (anas["X-ray diffractometer"], reviewer, 10, 9, 4,
             "Second series of thin-film samples", "", coordinator),
            (kaznu["Digitisation lab"], researcher, 12, 14, 2,
             "Scanning photographs of the 1998 exhibition", "Center archive", None),
            (kaznu["Archive reading room"], researcher, 17, 10, 4,
             "Press of the 1990s: the founding of the center", "Azerbaijanis of Kazakhstan", None),
            (anas["Manuscript and archive laboratory"], reviewer, 20, 10, 3,
             "Kazakh manuscripts in the collections of ANAS", "", None),
        ]  # fmt: skip
        for facility, person, days, hour, hours, purpose, project, approver in plans:
            day = _weekday_after(self.today, days)
            (booking,) = services.booking_request(
                actor=person,
                facility=facility,
                starts_at=_at(day, hour),
                ends_at=_at(day, hour + hours),
                purpose=purpose,
                project=project,
            )
            if approver is not None:
                services.booking_approve(actor=approver, booking=booking)
            self.rows += 1


def centers_demo_load(today: dt.date) -> int:
    """Add the demo's centers data; returns how many rows were added (0 when already there)."""
    # The demo's people are fictional: what they do here sends no e-mail.
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
        transaction.atomic(),
    ):
        return CentersDemo(today).load()
