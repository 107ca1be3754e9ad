"""A host institution with a research center and a facility, a partner under an active
agreement that opens the center, and the people who book and manage it."""

import datetime as dt
import io
import random
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accord.agreements.models import Agreement, AgreementStatus, Provision, ProvisionKind
from accord.centers import services
from accord.centers.models import Facility, ResearchCenter
from accord.core.models import Role, User
from accord.institutions.models import Institution
from tests.factories import (
    AgreementFactory,
    InstitutionFactory,
    MembershipFactory,
    ProvisionFactory,
    UserFactory,
)

OPENS, CLOSES = dt.time(9), dt.time(17)


@dataclass
class World:
    host: Institution
    partner: Institution
    officer: User  # officer of the host: manages its centers
    manager: User  # the center's named manager
    researcher: User  # member of the host
    guest: User  # researcher of the partner
    center: ResearchCenter
    facility: Facility
    agreement: Agreement
    provision: Provision


def next_monday(weeks: int = 1) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 * weeks - today.weekday())


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def member(institution: Institution, role: str = Role.RESEARCHER, **fields: object) -> User:
    user = UserFactory(**fields)
    MembershipFactory(user=user, institution=institution, role=role)
    return user


def build_world(
    *,
    capacity: int = 1,
    hours_per_year: int = 100,
    requires_training: bool = False,
    agreement_status: str = AgreementStatus.ACTIVE,
) -> World:
    suffix = f" {Institution.objects.count() // 2 + 1}" if Institution.objects.exists() else ""
    host = InstitutionFactory(name=f"Al-Farabi Kazakh National University{suffix}", country="KZ")
    partner = InstitutionFactory(
        name=f"Azerbaijan National Academy of Sciences{suffix}", country="AZ"
    )
    officer = member(host, Role.OFFICER)
    manager = member(host, Role.RESEARCHER)
    center = services.center_create(
        actor=officer,
        institution=host,
        name="Azerbaijani Center of History and Culture",
        city="Almaty",
        description="Archive of Azerbaijani manuscripts",
    )
    services.center_set_managers(actor=officer, center=center, users=[manager])
    facility = services.facility_create(
        actor=officer,
        center=center,
        name="Manuscript scanner",
        kind="instrument",
        capacity=capacity,
        slot_minutes=60,
        requires_training=requires_training,
        training_note="Handling of fragile manuscripts",
    )
    services.opening_hours_set(
        actor=officer, facility=facility, hours=[(day, OPENS, CLOSES) for day in range(5)]
    )
    agreement = AgreementFactory(parties=[host, partner], status=agreement_status)
    provision = ProvisionFactory(
        agreement=agreement,
        kind=ProvisionKind.CENTER_ACCESS,
        terms={"center_ids": [center.pk], "hours_per_year": hours_per_year},
    )
    return World(
        host=host,
        partner=partner,
        officer=officer,
        manager=manager,
        researcher=member(host),
        guest=member(partner),
        center=center,
        facility=facility,
        agreement=agreement,
        provision=provision,
    )


def request(world: World, user: User, start: dt.datetime, hours: int = 1, **kwargs: object):
    """One booking request of `hours` from `start`; returns the booking."""
    bookings = services.booking_request(
        actor=user,
        facility=world.facility,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        purpose="Scanning manuscripts",
        **kwargs,
    )
    return bookings[0]


# Photos ----------------------------------------------------------------------------------------


def picture(name: str = "reading-room.png", kind: str = "PNG", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 110, 160)).save(buffer, kind)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{kind.lower()}")


def noisy_png(side: int = 200) -> SimpleUploadedFile:
    """A PNG that does not compress: larger than a few kilobytes."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), random.Random(4).randbytes(side * side * 3)).save(
        buffer, "PNG"
    )
    return SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")


def executable_named_png() -> SimpleUploadedFile:
    content = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"PE\x00\x00"
    return SimpleUploadedFile("scanner.png", content, content_type="image/png")
