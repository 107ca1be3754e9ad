import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accord.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    DocumentKind,
    Provision,
    ProvisionKind,
)
from accord.core.audit import audit_events_for
from accord.core.demo import (
    CENTER_NAME,
    SEED_TITLE,
    demo_load,
    signed_pdf,
    world_universities_import,
)
from accord.core.models import AuditEvent, Membership, Role, User
from accord.institutions.importer import import_institutions, load_rows
from accord.institutions.models import Contact, Institution, Unit, UnitKind

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_USERNAMES = [
    "admin",
    "kaznu-officer",
    "kaznu-student",
    "kaznu-reviewer",
    "anas-coordinator",
    "anas-researcher",
    "uw-officer",
]
MODELS = [Institution, Unit, Contact, User, Membership, Agreement, AgreementParty, Provision,
          AgreementDocument, AuditEvent]  # fmt: skip


# Runs before the module's demo fixture is set up: it needs an empty database.
@pytest.mark.django_db
def test_demo_completes_an_institution_imported_before_it(settings, tmp_path):
    settings.PASSWORD_HASHERS = FAST_HASHER
    source = tmp_path / "world.json"
    source.write_text(
        json.dumps(
            [{"name": "Al-Farabi Kazakh National University", "domains": ["kaznu.kz"],
              "web_pages": ["http://www.kaznu.kz/"], "alpha_two_code": "KZ"}]
        )
    )  # fmt: skip
    import_institutions(load_rows(source))
    assert Institution.objects.get(schac_code="kaznu.kz").names == {}

    demo_load()

    kaznu = Institution.objects.get(schac_code="kaznu.kz")
    assert kaznu.names["ru"] == "Казахский национальный университет имени аль-Фараби"
    assert Agreement.objects.get(title=SEED_TITLE).parties.filter(institution=kaznu).exists()


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, demo_media):
    """The demo, loaded once for this module and rolled back after it."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=demo_media, PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        result = demo_load()
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = FAST_HASHER


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_loading_the_demo_again_changes_nothing(demo, fast_hasher):
    before = counts()

    again = demo_load()

    assert not again.created_anything
    assert counts() == before


@pytest.mark.django_db
def test_first_load_reports_what_it_added(demo):
    assert demo.agreements == Agreement.objects.count()
    assert demo.users == len(DEMO_USERNAMES)
    assert demo.institutions == Institution.objects.count()


@pytest.mark.django_db
def test_seed_memorandum_is_active_public_and_signed_by_both_parties(demo, demo_media, settings):
    settings.MEDIA_ROOT = demo_media
    memorandum = Agreement.objects.get(title=SEED_TITLE)

    assert memorandum.status == AgreementStatus.ACTIVE
    assert memorandum.is_public is True
    assert memorandum.kind == AgreementKind.MOU
    parties = list(memorandum.parties.select_related("institution"))
    assert [party.institution.schac_code for party in parties] == ["kaznu.kz", "science.az"]
    assert all(party.signatory_name and party.signed_on for party in parties)
    assert {party.coordinator.username for party in parties} == {
        "kaznu-officer",
        "anas-coordinator",
    }
    signed = memorandum.documents.get(kind=DocumentKind.SIGNED)
    assert signed.content_type == "application/pdf"
    with signed.file.open("rb") as handle:
        assert handle.read(8) == b"%PDF-1.4"


@pytest.mark.django_db
def test_seed_memorandum_provides_center_access_events_scholarships_and_cultural_center(demo):
    memorandum = Agreement.objects.get(title=SEED_TITLE)
    center = Unit.objects.get(institution__schac_code="kaznu.kz", name=CENTER_NAME)

    provisions = {provision.kind: provision.terms for provision in memorandum.provisions.all()}

    assert sorted(provisions) == sorted(
        [
            ProvisionKind.CENTER_ACCESS,
            ProvisionKind.JOINT_EVENTS,
            ProvisionKind.SCHOLARSHIP,
            ProvisionKind.CULTURAL_CENTER,
        ]
    )
    assert center.kind == UnitKind.CENTER
    assert provisions[ProvisionKind.CENTER_ACCESS]["unit_ids"] == [center.pk]
    assert provisions[ProvisionKind.CENTER_ACCESS]["hours_per_year"] > 0
    assert provisions[ProvisionKind.CULTURAL_CENTER]["unit_id"] == center.pk
    assert provisions[ProvisionKind.SCHOLARSHIP]["places_per_year"] > 0
    assert "anniversary" in provisions[ProvisionKind.JOINT_EVENTS]["description"]


@pytest.mark.django_db
def test_kaznu_and_anas_carry_their_names_and_anas_has_institutes(demo):
    kaznu = Institution.objects.get(schac_code="kaznu.kz")
    anas = Institution.objects.get(schac_code="science.az")

    assert kaznu.names["kk"] == "Әл-Фараби атындағы Қазақ ұлттық университеті"
    assert kaznu.names["ru"] == "Казахский национальный университет имени аль-Фараби"
    assert anas.names["az"] == "Azərbaycan Milli Elmlər Akademiyası"
    assert anas.kind == "academy"
    assert anas.children.count() >= 2
    assert "қазақ ұлттық" in kaznu.search_text
    # Whom to write to: each office's contact, and the center's director within its unit.
    assert {(c.position, c.unit.name if c.unit else None) for c in kaznu.contacts.all()} == {
        ("Head of the Department of International Cooperation", None),
        ("Director", "Azerbaijani Center of History and Culture"),
    }
    assert anas.contacts.count() == 1


@pytest.mark.django_db
def test_kaznu_exchanges_with_polish_universities_send_students_to_poland(demo):
    for domain in ("uw.edu.pl", "uj.edu.pl", "pw.edu.pl", "amu.edu.pl"):
        agreement = Agreement.objects.get(
            kind=AgreementKind.BILATERAL_EXCHANGE,
            parties__institution__schac_code=domain,
            amends__isnull=True,
            title__startswith="Inter-institutional agreement between Al-Farabi",
        )
        polish = Institution.objects.get(schac_code=domain)
        kaznu = Institution.objects.get(schac_code="kaznu.kz")
        outgoing = [
            provision.terms
            for provision in agreement.provisions.filter(kind=ProvisionKind.MOBILITY)
            if provision.terms["sending_institution"] == kaznu.pk
        ]

        assert agreement.status == AgreementStatus.ACTIVE
        assert agreement.is_public is True
        assert outgoing
        assert all(terms["receiving_institution"] == polish.pk for terms in outgoing)
        assert all(terms["eqf_levels"] == [6, 7] for terms in outgoing)
        assert all(terms["cefr_level"] == "B2" for terms in outgoing)


@pytest.mark.django_db
def test_every_demo_user_logs_in_with_the_demo_password(demo, client, settings, fast_hasher):
    for username in DEMO_USERNAMES:
        assert client.login(username=username, password=settings.ACCORD_DEMO_PASSWORD), username
        client.logout()


@pytest.mark.django_db
def test_demo_users_hold_their_roles(demo):
    def roles(username: str) -> set[tuple[str, str]]:
        return set(
            Membership.objects.filter(user__username=username).values_list(
                "institution__schac_code", "role"
            )
        )

    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert roles("kaznu-officer") == {("kaznu.kz", Role.OFFICER), ("kaznu.kz", Role.ADMIN)}
    assert roles("kaznu-student") == {("kaznu.kz", Role.STUDENT)}
    assert roles("kaznu-reviewer") == {("kaznu.kz", Role.REVIEWER)}
    assert roles("anas-coordinator") == {("science.az", Role.COORDINATOR)}
    assert roles("anas-researcher") == {("science.az", Role.RESEARCHER)}
    assert roles("uw-officer") == {("uw.edu.pl", Role.OFFICER)}
    assert User.objects.get(username="uw-officer").email.endswith("@uw.edu.pl")
    kaznu_parties = AgreementParty.objects.filter(institution__schac_code="kaznu.kz")
    assert set(kaznu_parties.values_list("coordinator__username", flat=True)) == {"kaznu-officer"}


@pytest.mark.django_db
def test_every_agreement_status_is_represented(demo):
    statuses = set(Agreement.objects.values_list("status", flat=True))

    assert statuses == set(AgreementStatus.values)


@pytest.mark.django_db
def test_demo_has_about_80_agreements_with_renewals_an_amendment_and_some_ending_soon(demo):
    today = timezone.localdate()
    ending_soon = Agreement.objects.filter(
        status=AgreementStatus.ACTIVE,
        valid_to__gte=today,
        valid_to__lte=today + dt.timedelta(days=90),
    )

    assert 75 <= Agreement.objects.count() <= 90
    assert Agreement.objects.filter(renews__isnull=False).count() >= 2
    assert Agreement.objects.filter(kind=AgreementKind.AMENDMENT, amends__isnull=False).exists()
    assert ending_soon.count() >= 3
    assert len(set(Agreement.objects.values_list("kind", flat=True))) == len(AgreementKind)
    assert Agreement.objects.exclude(titles={}).count() >= 70


@pytest.mark.django_db
def test_active_agreements_meet_what_activation_requires(demo):
    for agreement in Agreement.objects.filter(status=AgreementStatus.ACTIVE):
        assert agreement.valid_from is not None
        assert agreement.valid_to is None or agreement.valid_to >= timezone.localdate()
        assert all(party.has_signed for party in agreement.parties.all())
        assert agreement.documents.filter(kind=DocumentKind.SIGNED).exists()


@pytest.mark.django_db
def test_demo_spans_at_least_40_institutions_in_10_countries(demo):
    countries = set(Institution.objects.values_list("country", flat=True))

    assert Institution.objects.count() >= 40
    assert len(countries) >= 10
    assert {"KZ", "AZ", "PL", "RU", "TR", "DE", "GB", "US", "UZ", "KG", "CN", "KR", "FR"} <= (
        countries
    )


@pytest.mark.django_db
def test_agreement_history_is_recorded_by_demo_users_and_dated_to_the_story(demo):
    memorandum = Agreement.objects.get(title=SEED_TITLE)
    events = list(audit_events_for(memorandum).order_by("created_at", "id"))

    assert events[0].action == "agreement.created"
    assert events[0].actor.username == "kaznu-officer"
    assert events[0].created_at.date() < dt.date(2018, 11, 15)
    assert events[-1].action == "agreement.status_changed"
    assert events[-1].changes["status"] == ["signing", "active"]
    assert events[-1].created_at.date() == dt.date(2018, 11, 15)
    signers = {event.actor.username for event in events if event.action == "agreement.party_signed"}
    assert signers == {"kaznu-officer", "anas-coordinator"}
    assert not AuditEvent.objects.filter(created_at__gt=timezone.now()).exists()
    # Each agreement last changed when its story last moved, not when the demo was loaded.
    assert memorandum.updated_at == events[-1].created_at
    for agreement in Agreement.objects.all():
        last = audit_events_for(agreement).order_by("-created_at").first()
        assert agreement.updated_at == last.created_at, agreement.title


@pytest.mark.django_db
def test_print_logins_lists_each_login_with_the_password_and_address(demo, settings, fast_hasher):
    out = StringIO()

    call_command("demo", "--print-logins", stdout=out)

    text = out.getvalue()
    assert "nothing changed" in text
    assert settings.ACCORD_DEMO_PASSWORD in text
    assert f"{settings.SITE_URL}/accounts/login/" in text
    for username in DEMO_USERNAMES:
        assert f"  {username} " in text


def test_signed_pdf_has_a_correct_cross_reference_table():
    pdf = signed_pdf("Memorandum (test)", ["Signed by A. B\\C"])

    assert pdf.startswith(b"%PDF-1.4\n")
    assert pdf.rstrip().endswith(b"%%EOF")
    startxref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[startxref:].startswith(b"xref\n0 6\n")
    entries = pdf[startxref:].split(b"\n")[3:8]
    for number, entry in enumerate(entries, start=1):
        offset = int(entry[:10])
        assert pdf[offset:].startswith(b"%d 0 obj" % number)
    assert b"Memorandum \\(test\\)" in pdf


@pytest.mark.django_db
def test_world_universities_are_added_without_renaming_the_demo_institutions(demo, tmp_path):
    source = tmp_path / "world.json"
    source.write_text(
        json.dumps(
            [
                {"name": "Jagiellonian University Cracow", "domains": ["uj.edu.pl"],
                 "web_pages": ["http://www.uj.edu.pl/"], "alpha_two_code": "PL"},
                {"name": "Sorbonne Université - Faculté des Sciences (Paris VI)",
                 "domains": ["jussieu.fr", "sorbonne-universite.fr"],
                 "web_pages": ["https://sciences.sorbonne-universite.fr/"],
                 "alpha_two_code": "FR"},
                {"name": "Abylai Khan University", "domains": ["ablaikhan.kz"],
                 "web_pages": ["http://www.ablaikhan.kz/"], "alpha_two_code": "KZ"},
            ]
        )
    )  # fmt: skip
    before = Institution.objects.count()

    report = world_universities_import(source)

    assert report.created == 1
    assert Institution.objects.count() == before + 1
    assert Institution.objects.get(schac_code="ablaikhan.kz").name == "Abylai Khan University"
    assert Institution.objects.get(schac_code="uj.edu.pl").name == "Jagiellonian University"
    assert not Institution.objects.filter(schac_code="jussieu.fr").exists()
