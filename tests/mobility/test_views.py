"""The mobility pages: who sees what, forms that report every problem, the export, the
agreement page's counts, and constant queries on the list."""

import datetime as dt

import pytest
from django.urls import reverse

from accord.mobility.models import Mobility, MobilityStatus, ReturnObligation
from tests.factories import InstitutionFactory, UnitFactory, UserFactory
from tests.mobility.records import (
    MobilityFactory,
    active_agreement,
    mobility_provision,
    officer_of,
)

pytestmark = pytest.mark.django_db
LIST = reverse("mobility:list")


@pytest.fixture
def home(db):
    return InstitutionFactory(
        name="Al-Farabi Kazakh National University", country="KZ", schac_code="kaznu.kz"
    )


@pytest.fixture
def host(db):
    return InstitutionFactory(name="University of Warsaw", country="PL", schac_code="uw.edu.pl")


@pytest.fixture
def home_officer(home):
    return officer_of(home)


@pytest.fixture
def mobility(home, host):
    return MobilityFactory(
        home_institution=home,
        host_institution=host,
        given_names="Aigerim",
        family_name="Nurlanova",
    )


def form_data(home, host, **changes):
    return {
        "person_kind": "student",
        "given_names": "Dana",
        "family_name": "Sadykova",
        "email": "dana@kaznu.kz",
        "birth_date": "2004-03-01",
        "nationality": "KZ",
        "home_institution": str(home.pk),
        "host_institution": host.schac_code,
        "kind": "semester_exchange",
        "eqf_level": "6",
        "isced_code": "0611",
        "start_date": "2025-10-01",
        "end_date": "2026-02-28",
        "funding": "government",
        **changes,
    }


# Who sees what ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, mobility):
    for url in (LIST, mobility.get_absolute_url(), reverse("mobility:mine")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_home_and_host_officers_see_the_mobility(client, home, host, mobility):
    for institution in (home, host):
        client.force_login(officer_of(institution))
        assert "Nurlanova" in client.get(LIST).content.decode()
        assert client.get(mobility.get_absolute_url()).status_code == 200


def test_third_institution_officer_sees_nothing_and_gets_404(client, mobility):
    client.force_login(officer_of(InstitutionFactory()))

    assert "Nurlanova" not in client.get(LIST).content.decode()
    assert client.get(mobility.get_absolute_url()).status_code == 404
    assert client.get(reverse("mobility:edit", args=[mobility.pk])).status_code == 404
    assert "Nurlanova" not in client.get(reverse("mobility:export_csv")).getvalue().decode()


def test_student_sees_their_own_mobilities_only(client, home, host, mobility):
    student = officer_of(home, role="student")
    own = MobilityFactory(
        home_institution=home, host_institution=host, user=student, family_name="Own"
    )
    client.force_login(student)

    mine = client.get(reverse("mobility:mine")).content.decode()
    listed = client.get(LIST).content.decode()

    assert "University of Warsaw" in mine
    assert "Own" in listed and "Nurlanova" not in listed
    assert client.get(own.get_absolute_url()).status_code == 200
    assert client.get(mobility.get_absolute_url()).status_code == 404


def test_host_officer_sees_no_edit_or_status_actions(client, host, mobility):
    client.force_login(officer_of(host))

    page = client.get(mobility.get_absolute_url()).content.decode()

    assert reverse("mobility:edit", args=[mobility.pk]) not in page
    assert reverse("mobility:transition", args=[mobility.pk]) not in page
    assert client.get(reverse("mobility:edit", args=[mobility.pk])).status_code == 403
    response = client.post(reverse("mobility:transition", args=[mobility.pk]), {"to": "nominated"})
    assert response.status_code == 403
    mobility.refresh_from_db()
    assert mobility.status == MobilityStatus.PLANNED


def test_names_are_escaped(client, home, host, home_officer):
    MobilityFactory(
        home_institution=home,
        host_institution=host,
        given_names="<script>alert(1)</script>",
        programme="<b>Bolashak</b>",
    )
    client.force_login(home_officer)

    page = client.get(LIST).content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>Bolashak</b>" not in page


# Filters, pages, export ---------------------------------------------------------------------


def test_filters_narrow_the_list(client, home, host, home_officer):
    MobilityFactory(home_institution=home, host_institution=host, family_name="Kowalska")
    turkey = InstitutionFactory(name="Middle East Technical University", country="TR")
    MobilityFactory(
        home_institution=home, host_institution=turkey, family_name="Yilmaz", funding="self_funded"
    )
    client.force_login(home_officer)

    by_country = client.get(LIST, {"country": "TR"}).content.decode()
    by_funding = client.get(LIST, {"funding": "government"}).content.decode()
    by_name = client.get(LIST, {"search": "kowal"}).content.decode()
    by_host = client.get(LIST, {"host_institution": "uw.edu.pl"}).content.decode()

    assert "Yilmaz" in by_country and "Kowalska" not in by_country
    assert "Kowalska" in by_funding and "Yilmaz" not in by_funding
    assert "Kowalska" in by_name and "Yilmaz" not in by_name
    assert "Kowalska" in by_host and "Yilmaz" not in by_host


def test_invalid_filter_is_named_and_not_applied(client, home_officer, mobility):
    client.force_login(home_officer)

    page = client.get(LIST, {"academic_year": "2025-26"}).content.decode()

    assert "Write the academic year as 2025/2026." in page
    assert "Nurlanova" in page


def test_an_agreement_id_beyond_any_key_is_refused_not_looked_up(client, home_officer, mobility):
    client.force_login(home_officer)

    response = client.get(LIST, {"agreement": "99999999999999999999"})

    assert response.status_code == 200
    assert response.context["filter_form"].errors["agreement"]
    assert "Nurlanova" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 50])
def test_list_runs_the_same_queries_for_1_and_50_rows(
    client, home, host, home_officer, count_queries, rows
):
    MobilityFactory.create_batch(rows, home_institution=home, host_institution=host)
    client.force_login(home_officer)
    client.get(LIST)  # session and caches warmed

    with count_queries() as queries:
        response = client.get(LIST)

    assert response.status_code == 200
    assert response.content.decode().count('class="badge') == rows
    assert len(queries.captured_queries) == 8


def test_export_is_the_filtered_list_with_formulas_neutralised(client, home, host, home_officer):
    MobilityFactory(
        home_institution=home,
        host_institution=host,
        given_names='=HYPERLINK("http://evil.example","x")',
        family_name="Formula",
    )
    MobilityFactory(
        home_institution=home, host_institution=host, family_name="Other", kind="teaching"
    )
    client.force_login(home_officer)

    response = client.get(reverse("mobility:export_csv"), {"kind": "semester_exchange"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = text.splitlines()
    assert len(lines) == 2
    assert "'=HYPERLINK" in lines[1]
    assert ",=" not in lines[1] and ',"=' not in lines[1]


# Create, edit, actions ----------------------------------------------------------------------


def test_officer_records_a_mobility_through_the_form(client, home, host, home_officer):
    client.force_login(home_officer)

    response = client.post(reverse("mobility:create"), form_data(home, host))

    mobility = Mobility.objects.get()
    assert response.status_code == 302
    assert response["Location"] == mobility.get_absolute_url()
    assert (mobility.host_institution, mobility.host_country.code) == (host, "PL")


def test_form_shows_every_problem_and_records_nothing(client, home, host, home_officer):
    client.force_login(home_officer)

    response = client.post(
        reverse("mobility:create"),
        form_data(
            home,
            host,
            host_institution="no-such.example",
            end_date="2025-01-01",
            birth_date=(dt.date.today() + dt.timedelta(days=2)).isoformat(),
        ),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "No institution no-such.example." in page
    assert "The date of birth cannot be in the future." in page
    assert "The end cannot be before the start." in page
    assert Mobility.objects.count() == 0


def test_form_offers_only_the_users_institutions_as_home(client, home, host, home_officer):
    client.force_login(home_officer)

    response = client.post(
        reverse("mobility:create"), form_data(home, host, home_institution=str(host.pk))
    )

    assert "Select a valid choice." in response.content.decode()
    assert Mobility.objects.count() == 0


def test_agreement_funds_without_an_agreement_are_reported_at_the_agreement_select(
    client, home, host, home_officer
):
    client.force_login(home_officer)

    response = client.post(reverse("mobility:create"), form_data(home, host, funding="agreement"))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "provision": ["Name the agreement whose own funds pay for this mobility."]
    }
    assert Mobility.objects.count() == 0


def test_over_quota_form_names_the_provision(client, home, host, home_officer):
    provision = mobility_provision(active_agreement(home, host), home, host, places=1)
    MobilityFactory(home_institution=home, host_institution=host, provision=provision)
    client.force_login(home_officer)

    response = client.post(
        reverse("mobility:create"), form_data(home, host, provision=f"p{provision.pk}")
    )

    assert "has 1 places in 2025/2026 and all 1 are taken" in response.content.decode()
    assert Mobility.objects.count() == 1


def test_edit_changes_only_what_changed(client, home, host, home_officer, mobility):
    client.force_login(home_officer)
    data = form_data(home, host, given_names="Aigerim", family_name="Nurlanova-Kim")
    data.update(start_date="2025-10-01", end_date="2026-02-28")

    response = client.post(reverse("mobility:edit", args=[mobility.pk]), data)

    assert response.status_code == 302
    mobility.refresh_from_db()
    assert mobility.family_name == "Nurlanova-Kim"


def test_status_actions_return_and_obligation_from_the_page(client, home_officer, mobility):
    client.force_login(home_officer)
    transition = reverse("mobility:transition", args=[mobility.pk])
    for status in ("nominated", "ongoing", "completed"):
        client.post(transition, {"to": status})

    client.post(
        reverse("mobility:return", args=[mobility.pk]),
        {"returned_home": "yes", "returned_on": "2026-03-10", "employer": "KazNU"},
    )
    client.post(
        reverse("mobility:obligation_add", args=[mobility.pk]),
        {"programme": "Bolashak", "years_of_work": "5", "return_within_months": "6"},
    )
    obligation = ReturnObligation.objects.get()
    client.post(
        reverse("mobility:obligation_resolve", args=[mobility.pk, obligation.pk]),
        {"status": "fulfilled", "note": "Works at KazNU"},
    )

    mobility.refresh_from_db()
    obligation.refresh_from_db()
    assert (mobility.status, mobility.returned_home, mobility.employer) == (
        "completed",
        True,
        "KazNU",
    )
    assert obligation.status == "fulfilled"
    page = client.get(mobility.get_absolute_url()).content.decode()
    assert "recorded the return" in page
    assert "resolved a return obligation" in page


def test_cancelling_from_the_page_without_reason_says_why_not(client, home_officer, mobility):
    client.force_login(home_officer)

    response = client.post(
        reverse("mobility:transition", args=[mobility.pk]), {"to": "cancelled"}, follow=True
    )

    assert "Say why the mobility is cancelled." in response.content.decode()
    mobility.refresh_from_db()
    assert mobility.status == MobilityStatus.PLANNED


# The agreement page -------------------------------------------------------------------------


def test_agreement_page_counts_mobilities_by_year_and_status(client, home, host, home_officer):
    agreement = active_agreement(home, host)
    MobilityFactory.create_batch(
        3, home_institution=home, host_institution=host, agreement=agreement
    )
    client.force_login(home_officer)

    page = client.get(reverse("agreements:detail", args=[agreement.pk])).content.decode()

    assert 'id="mobilities"' in page
    assert f"{LIST}?agreement={agreement.pk}" in page
    assert "Nurlanova" not in page


def test_agreement_page_hides_small_counts_from_other_readers(client, home, host):
    agreement = active_agreement(home, host)
    agreement.is_public = True
    agreement.save(update_fields=["is_public"])
    MobilityFactory.create_batch(
        3, home_institution=home, host_institution=host, agreement=agreement
    )
    client.force_login(UserFactory())

    page = client.get(reverse("agreements:detail", args=[agreement.pk])).content.decode()

    assert "&lt;5" in page
    assert f"{LIST}?agreement=" not in page


def test_host_units_are_offered_once_the_host_is_chosen(client, host, home_officer):
    UnitFactory(institution=host, name="Faculty of <Physics>")
    client.force_login(home_officer)

    response = client.get(reverse("mobility:unit_options"), {"host_institution": "uw.edu.pl"})

    assert "Faculty of &lt;Physics&gt;" in response.content.decode()


def test_list_under_an_agreement_names_it(client, home, host, home_officer):
    agreement = active_agreement(home, host)
    MobilityFactory(home_institution=home, host_institution=host, agreement=agreement)
    MobilityFactory(home_institution=home, host_institution=host, family_name="Elsewhere")
    client.force_login(home_officer)

    page = client.get(LIST, {"agreement": agreement.pk}).content.decode()

    assert "KazNU-UW exchange" in page
    assert "Elsewhere" not in page


def test_list_shows_obligations_falling_due_to_those_who_see_them(client, home, host):
    mobility = MobilityFactory(home_institution=home, host_institution=host)
    ReturnObligation.objects.create(
        mobility=mobility,
        programme="Bolashak",
        years_of_work=5,
        return_within_months=6,
        due_on=dt.date.today() + dt.timedelta(days=20),
    )
    ReturnObligation.objects.create(
        mobility=MobilityFactory(home_institution=home, host_institution=host),
        programme="Far away",
        years_of_work=5,
        return_within_months=24,
        due_on=dt.date.today() + dt.timedelta(days=400),
    )

    client.force_login(officer_of(home))
    own = client.get(LIST).content.decode()
    client.force_login(officer_of(InstitutionFactory()))
    other = client.get(LIST).content.decode()

    assert "Bolashak" in own and "Far away" not in own
    assert "Return obligations due" not in other
