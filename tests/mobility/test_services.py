"""Writing mobilities: every problem reported at once, nothing written when refused, audit on
every write, the lifecycle, the return and return obligations with their reminders."""

import datetime as dt
import io
import math

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from accord.core.models import AuditEvent, Membership, Role, User
from accord.institutions.models import Institution
from accord.mobility import services
from accord.mobility.models import (
    Mobility,
    MobilityStatus,
    ObligationReminder,
    ObligationStatus,
    ReturnObligation,
)
from accord.mobility.services.obligations import OBLIGATIONS_PER_BATCH
from tests.factories import InstitutionFactory, ProvisionFactory, UnitFactory
from tests.mobility.records import (
    END,
    MobilityFactory,
    active_agreement,
    mobility_provision,
    officer_of,
    values,
)
from tests.queries import insert_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(db):
    return InstitutionFactory(name="Al-Farabi Kazakh National University", country="KZ")


@pytest.fixture
def host(db):
    return InstitutionFactory(name="University of Warsaw", country="PL")


@pytest.fixture
def home_officer(home):
    return officer_of(home)


def errors_of(raised) -> dict[str, list[str]]:
    return raised.value.message_dict


# Create -------------------------------------------------------------------------------------


def test_officer_records_a_mobility_with_countries_year_and_audit(home_officer, home, host):
    mobility = services.mobility_create(actor=home_officer, **values(home, host))

    assert (mobility.home_country.code, mobility.host_country.code) == ("KZ", "PL")
    assert mobility.academic_year == "2025/2026"
    assert mobility.status == MobilityStatus.PLANNED
    event = AuditEvent.objects.get(action="mobility.created")
    assert event.actor == home_officer
    assert event.changes["family_name"] == "Nurlanova"
    assert event.changes["host_country"] == "PL"


def test_every_problem_of_a_mobility_is_reported_at_once(home_officer, home):
    with pytest.raises(ValidationError) as raised:
        services.mobility_create(
            actor=home_officer,
            **values(
                home,
                home,
                end_date=dt.date(2025, 9, 1),
                isced_code="9999",
                eqf_level=9,
                birth_date=dt.date.today() + dt.timedelta(days=1),
                nationality="XX",
                email="not-an-address",
                given_names="",
            ),
        )

    assert set(errors_of(raised)) == {
        "end_date",
        "host_institution",
        "isced_code",
        "eqf_level",
        "birth_date",
        "nationality",
        "email",
        "given_names",
    }
    assert Mobility.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_end_before_start_is_rejected(home_officer, home, host):
    with pytest.raises(ValidationError) as raised:
        services.mobility_create(
            actor=home_officer, **values(home, host, end_date=dt.date(2025, 9, 30))
        )

    assert errors_of(raised) == {"end_date": ["The end cannot be before the start."]}


def test_the_agreements_own_funds_need_an_agreement(home_officer, home, host):
    with pytest.raises(ValidationError) as raised:
        services.mobility_create(actor=home_officer, **values(home, host, funding="agreement"))

    assert errors_of(raised) == {
        "agreement": ["Name the agreement whose own funds pay for this mobility."]
    }
    assert Mobility.objects.count() == 0


def test_host_equal_to_home_is_rejected(home_officer, home):
    with pytest.raises(ValidationError) as raised:
        services.mobility_create(actor=home_officer, **values(home, home))

    assert errors_of(raised) == {
        "host_institution": ["The host institution must differ from the home one."]
    }


def test_isced_code_that_does_not_exist_is_rejected(home_officer, home, host):
    with pytest.raises(ValidationError) as raised:
        services.mobility_create(actor=home_officer, **values(home, host, isced_code="1234"))

    assert errors_of(raised) == {
        "isced_code": ["1234 is not an ISCED-F 2013 field of education code."]
    }


def test_eqf_level_that_does_not_exist_is_rejected(home_officer, home, host):
    with pytest.raises(ValidationError) as raised:
        services.mobility_create(actor=home_officer, **values(home, host, eqf_level=0))

    assert errors_of(raised) == {"eqf_level": ["EQF levels are 1 to 8; 0 is not one."]}


def test_date_of_birth_in_the_future_is_rejected(home_officer, home, host):
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as raised:
        services.mobility_create(actor=home_officer, **values(home, host, birth_date=tomorrow))

    assert errors_of(raised) == {"birth_date": ["The date of birth cannot be in the future."]}


def test_unit_of_another_institution_is_rejected(home_officer, home, host):
    foreign_unit = UnitFactory(institution=host, name="Faculty of Physics")

    with pytest.raises(ValidationError) as raised:
        services.mobility_create(actor=home_officer, **values(home, host, home_unit=foreign_unit))

    assert errors_of(raised) == {
        "home_unit": ["Faculty of Physics is not a unit of the home institution."]
    }


def test_agreement_must_have_both_institutions_as_parties(home_officer, home, host):
    other = InstitutionFactory(name="Baku State University", country="AZ")
    agreement = active_agreement(home, other)

    with pytest.raises(ValidationError) as raised:
        services.mobility_create(actor=home_officer, **values(home, host, agreement=agreement))

    assert errors_of(raised) == {
        "agreement": ["University of Warsaw is not a party to the agreement “KazNU-UW exchange”."]
    }


def test_provision_must_be_a_mobility_provision_in_the_right_direction(home_officer, home, host):
    agreement = active_agreement(home, host)
    events = ProvisionFactory(agreement=agreement)
    backwards = mobility_provision(agreement, host, home)

    with pytest.raises(ValidationError) as wrong_kind:
        services.mobility_create(actor=home_officer, **values(home, host, provision=events))
    with pytest.raises(ValidationError) as wrong_way:
        services.mobility_create(actor=home_officer, **values(home, host, provision=backwards))

    assert "not “Joint events”" in errors_of(wrong_kind)["provision"][0]
    assert (
        "its direction must be the mobility's home to its host"
        in (errors_of(wrong_way)["provision"][0])
    )


def test_provision_sets_its_agreement(home_officer, home, host):
    agreement = active_agreement(home, host)
    provision = mobility_provision(agreement, home, host)

    mobility = services.mobility_create(
        actor=home_officer, **values(home, host, provision=provision)
    )

    assert mobility.agreement == agreement


def test_host_officer_cannot_record_a_mobility_for_the_home_institution(home, host):
    with pytest.raises(PermissionDenied):
        services.mobility_create(actor=officer_of(host), **values(home, host))

    assert Mobility.objects.count() == 0


def test_student_cannot_record_a_mobility(home, host):
    with pytest.raises(PermissionDenied):
        services.mobility_create(actor=officer_of(home, role="student"), **values(home, host))


# Update -------------------------------------------------------------------------------------


def test_update_records_what_changed(home_officer, home, host):
    mobility = services.mobility_create(actor=home_officer, **values(home, host))

    services.mobility_update(
        actor=home_officer, mobility=mobility, start_date=dt.date(2026, 2, 1), end_date=END
    )

    mobility.refresh_from_db()
    assert mobility.academic_year == "2025/2026"
    event = AuditEvent.objects.get(action="mobility.updated")
    assert event.changes == {"start_date": ["2025-10-01", "2026-02-01"]}


def test_update_reports_every_problem_and_changes_nothing(home_officer, home, host):
    mobility = services.mobility_create(actor=home_officer, **values(home, host))

    with pytest.raises(ValidationError) as raised:
        services.mobility_update(
            actor=home_officer,
            mobility=mobility,
            host_institution=home,
            end_date=dt.date(2020, 1, 1),
        )

    assert set(errors_of(raised)) == {"host_institution", "end_date"}
    mobility.refresh_from_db()
    assert mobility.host_institution == host


def test_host_officer_cannot_edit(home_officer, home, host):
    mobility = services.mobility_create(actor=home_officer, **values(home, host))

    with pytest.raises(PermissionDenied):
        services.mobility_update(actor=officer_of(host), mobility=mobility, family_name="X")


# Lifecycle ----------------------------------------------------------------------------------


def test_mobility_goes_from_planned_to_completed(home_officer, home, host):
    mobility = services.mobility_create(actor=home_officer, **values(home, host))

    for status in ("nominated", "ongoing", "completed"):
        services.mobility_transition(actor=home_officer, mobility=mobility, to=status)

    mobility.refresh_from_db()
    assert mobility.status == MobilityStatus.COMPLETED
    assert AuditEvent.objects.filter(action="mobility.status_changed").count() == 3


def test_skipping_a_status_is_refused(home_officer, home, host):
    mobility = services.mobility_create(actor=home_officer, **values(home, host))

    with pytest.raises(ValidationError) as raised:
        services.mobility_transition(actor=home_officer, mobility=mobility, to="completed")

    assert errors_of(raised) == {"status": ["A mobility cannot go from Planned to Completed."]}


def test_cancelling_needs_a_reason(home_officer, home, host):
    mobility = services.mobility_create(actor=home_officer, **values(home, host))

    with pytest.raises(ValidationError) as raised:
        services.mobility_transition(actor=home_officer, mobility=mobility, to="cancelled")
    services.mobility_transition(
        actor=home_officer, mobility=mobility, to="cancelled", reason="Visa refused"
    )

    assert errors_of(raised) == {"reason": ["Say why the mobility is cancelled."]}
    mobility.refresh_from_db()
    assert (mobility.status, mobility.cancellation_reason) == ("cancelled", "Visa refused")


def test_a_cancelled_mobility_no_longer_changes(home_officer, home, host):
    mobility = MobilityFactory(
        home_institution=home, host_institution=host, status=MobilityStatus.CANCELLED
    )

    with pytest.raises(ValidationError):
        services.mobility_transition(actor=home_officer, mobility=mobility, to="planned")
    with pytest.raises(ValidationError):
        services.mobility_update(actor=home_officer, mobility=mobility, family_name="Other")


# Return -------------------------------------------------------------------------------------


def test_return_is_recorded_after_completion(home_officer, home, host):
    mobility = MobilityFactory(
        home_institution=home, host_institution=host, status=MobilityStatus.COMPLETED
    )

    services.mobility_record_return(
        actor=home_officer,
        mobility=mobility,
        returned_home=True,
        returned_on=dt.date(2026, 3, 5),
        employer="KazMunayGas",
    )

    mobility.refresh_from_db()
    assert (mobility.returned_home, mobility.returned_on, mobility.employer) == (
        True,
        dt.date(2026, 3, 5),
        "KazMunayGas",
    )
    assert AuditEvent.objects.filter(action="mobility.return_recorded").count() == 1


def test_return_before_completion_is_refused(home_officer, home, host):
    mobility = MobilityFactory(
        home_institution=home, host_institution=host, status=MobilityStatus.ONGOING
    )

    with pytest.raises(ValidationError) as raised:
        services.mobility_record_return(actor=home_officer, mobility=mobility, returned_home=True)

    assert errors_of(raised) == {
        "__all__": ["A return is recorded once the mobility is completed (it is ongoing)."]
    }


def test_return_in_the_future_or_without_answer_is_refused(home_officer, home, host):
    mobility = MobilityFactory(
        home_institution=home, host_institution=host, status=MobilityStatus.COMPLETED
    )

    with pytest.raises(ValidationError) as raised:
        services.mobility_record_return(
            actor=home_officer,
            mobility=mobility,
            returned_home=None,
            returned_on=dt.date.today() + dt.timedelta(days=3),
        )

    assert set(errors_of(raised)) == {"returned_home", "returned_on"}


# Obligations --------------------------------------------------------------------------------


def test_obligation_falls_due_months_after_the_end(home_officer, home, host):
    mobility = MobilityFactory(
        home_institution=home, host_institution=host, end_date=dt.date(2026, 8, 31)
    )

    obligation = services.obligation_add(
        actor=home_officer,
        mobility=mobility,
        programme="Bolashak",
        years_of_work=5,
        return_within_months=6,
    )

    assert obligation.due_on == dt.date(2027, 2, 28)
    assert obligation.status == ObligationStatus.PENDING
    assert AuditEvent.objects.filter(action="mobility.obligation_added").count() == 1


def test_obligation_with_bad_numbers_is_refused(home_officer, home, host):
    mobility = MobilityFactory(home_institution=home, host_institution=host)

    with pytest.raises(ValidationError) as raised:
        services.obligation_add(
            actor=home_officer,
            mobility=mobility,
            programme="",
            years_of_work=0,
            return_within_months=-1,
        )

    assert set(errors_of(raised)) == {"programme", "years_of_work", "return_within_months"}
    assert ReturnObligation.objects.count() == 0


def test_obligation_is_resolved_once(home_officer, home, host):
    mobility = MobilityFactory(home_institution=home, host_institution=host)
    obligation = services.obligation_add(
        actor=home_officer,
        mobility=mobility,
        programme="Bolashak",
        years_of_work=5,
        return_within_months=6,
    )

    services.obligation_resolve(
        actor=home_officer, obligation=obligation, status="fulfilled", note="Works at KazNU"
    )
    with pytest.raises(ValidationError) as raised:
        services.obligation_resolve(actor=home_officer, obligation=obligation, status="breached")

    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.FULFILLED
    assert errors_of(raised) == {"status": ["The obligation is already fulfilled."]}


def test_waiver_needs_a_note(home_officer, home, host):
    mobility = MobilityFactory(home_institution=home, host_institution=host)
    obligation = services.obligation_add(
        actor=home_officer,
        mobility=mobility,
        programme="Bolashak",
        years_of_work=5,
        return_within_months=6,
    )

    with pytest.raises(ValidationError) as raised:
        services.obligation_resolve(actor=home_officer, obligation=obligation, status="waived")

    assert errors_of(raised) == {"note": ["Say why the obligation is waived."]}


def test_host_officer_cannot_manage_obligations(home, host):
    mobility = MobilityFactory(home_institution=home, host_institution=host)

    with pytest.raises(PermissionDenied):
        services.obligation_add(
            actor=officer_of(host),
            mobility=mobility,
            programme="Bolashak",
            years_of_work=5,
            return_within_months=6,
        )


def test_reminders_go_to_home_officers_once_per_threshold(settings, home_officer, home, host):
    settings.ACCORD_REMINDER_DAYS = [90, 30]
    officer_of(host)  # the host's officers are not reminded
    today = dt.date(2027, 1, 1)
    mobility = MobilityFactory(
        home_institution=home, host_institution=host, end_date=dt.date(2026, 8, 31)
    )
    ReturnObligation.objects.create(
        mobility=mobility,
        programme="Bolashak",
        years_of_work=5,
        return_within_months=6,
        due_on=today + dt.timedelta(days=20),
    )

    first = services.obligation_reminders_send(today=today)
    again = services.obligation_reminders_send(today=today)

    assert (first, again) == (1, 0)
    assert [message.to for message in mail.outbox] == [[home_officer.email]]
    assert "Bolashak" in mail.outbox[0].body
    assert "returning by Jan. 21, 2027, in 20 days" in mail.outbox[0].body
    assert mail.outbox[0].subject.endswith("falls due on Jan. 21, 2027")
    assert ObligationReminder.objects.get().days_before == 30


def obligations_at_many_homes(count, host, *, label, today):
    """`count` pending obligations falling due within 90 days, each of a mobility from an
    institution of its own with an officer of its own, written in bulk."""
    homes = Institution.objects.bulk_create(
        Institution(
            name=f"{label} home {i}",
            slug=f"{label}-home-{i}",
            search_text=f"{label} home {i}",
            country="KZ",
            schac_code=f"{label}-home-{i}.example.edu",
        )
        for i in range(count)
    )
    officers = User.objects.bulk_create(
        User(username=f"{label}-officer-{i}", email=f"{label}-officer-{i}@example.org")
        for i in range(count)
    )
    Membership.objects.bulk_create(
        Membership(user=officer, institution=home, role=Role.OFFICER)
        for officer, home in zip(officers, homes, strict=True)
    )
    mobilities = Mobility.objects.bulk_create(
        MobilityFactory.build(home_institution=home, host_institution=host) for home in homes
    )
    ReturnObligation.objects.bulk_create(
        ReturnObligation(
            mobility=mobility,
            programme="Bolashak",
            years_of_work=5,
            return_within_months=6,
            due_on=today + dt.timedelta(days=i % 91),
        )
        for i, mobility in enumerate(mobilities)
    )
    return officers


def test_obligation_reminders_take_a_fixed_number_of_queries_per_batch(
    settings, host, count_queries
):
    settings.ACCORD_REMINDER_DAYS = [90, 30]
    today = dt.date.today()
    queries = {}
    for label, count in (("first", 150), ("second", 300)):
        officers = obligations_at_many_homes(count, host, label=label, today=today)
        mail.outbox.clear()

        with count_queries() as run:
            assert services.obligation_reminders_send(today=today) == count

        queries[count] = len(run.captured_queries)
        assert sorted(m.to[0] for m in mail.outbox) == sorted(o.email for o in officers)

    assert services.obligation_reminders_send(today=today) == 0
    assert ObligationReminder.objects.count() == 450
    # Per batch: its obligations, their officers, and the claims and audit events written in
    # one transaction; none per obligation.
    per_batch = 2 + 2 + insert_queries(ObligationReminder, OBLIGATIONS_PER_BATCH) + 1
    batches_added = math.ceil(300 / OBLIGATIONS_PER_BATCH) - math.ceil(150 / OBLIGATIONS_PER_BATCH)
    assert queries[300] - queries[150] <= per_batch * batches_added


def test_daily_run_sends_obligation_reminders(settings, home_officer, home, host):
    settings.ACCORD_REMINDER_DAYS = [30]
    mobility = MobilityFactory(home_institution=home, host_institution=host)
    ReturnObligation.objects.create(
        mobility=mobility,
        programme="Bolashak",
        years_of_work=5,
        return_within_months=6,
        due_on=dt.date.today() + dt.timedelta(days=10),
    )
    out = io.StringIO()

    call_command("daily", stdout=out)

    assert "send_obligation_reminders" in out.getvalue()
    assert [message.to for message in mail.outbox] == [[home_officer.email]]


def test_external_id_is_unique_within_the_home_institution(home_officer, home, host):
    services.mobility_create(actor=home_officer, **values(home, host, external_id="KZ-2025-1"))

    with pytest.raises(ValidationError) as raised:
        services.mobility_create(actor=home_officer, **values(home, host, external_id="KZ-2025-1"))

    assert errors_of(raised) == {
        "external_id": ["The home institution already has a mobility with this external id."]
    }
    assert Mobility.objects.count() == 1
