"""The register of agreements: filters, pagination, the query count, who sees the buttons."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.agreements.models import Agreement, AgreementKind, AgreementStatus, ProvisionKind
from tests.factories import (
    AgreementFactory,
    InstitutionFactory,
    MembershipFactory,
    ProvisionFactory,
)

pytestmark = pytest.mark.django_db
LIST = reverse("agreements:list")


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def titles_on(response) -> list[str]:
    return [agreement.title for agreement in response.context["page"].object_list]


def test_the_list_needs_a_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_list_shows_the_agreements_of_the_users_institution(
    officer_client, institution, partner
):
    own = AgreementFactory(title="Ours", parties=[institution, partner])
    AgreementFactory(title="Someone else's")

    response = officer_client.get(LIST)

    assert response.status_code == 200
    assert response.context["nav"] == "agreements"
    assert titles_on(response) == [own.title]
    assert "badge status-draft" in response.content.decode()


def test_status_filter_narrows_the_list(officer_client, institution, partner):
    AgreementFactory(
        title="Active one", status=AgreementStatus.ACTIVE, parties=[institution, partner]
    )
    AgreementFactory(title="Draft one", parties=[institution, partner])

    response = officer_client.get(LIST, {"status": "active"})

    assert titles_on(response) == ["Active one"]


def test_country_kind_and_provision_filters_combine(officer_client, institution, partner):
    polish = InstitutionFactory(name="University of Warsaw", country="PL")
    wanted = AgreementFactory(
        title="Exchange with Warsaw",
        kind=AgreementKind.BILATERAL_EXCHANGE,
        parties=[institution, polish],
    )
    ProvisionFactory(agreement=wanted, kind=ProvisionKind.MOBILITY, terms={})
    AgreementFactory(
        title="Memorandum with Warsaw", kind=AgreementKind.MOU, parties=[institution, polish]
    )
    other = AgreementFactory(
        title="Exchange with Baku",
        kind=AgreementKind.BILATERAL_EXCHANGE,
        parties=[institution, partner],
    )
    ProvisionFactory(agreement=other, kind=ProvisionKind.MOBILITY, terms={})

    response = officer_client.get(
        LIST, {"country": "PL", "kind": "bilateral_exchange", "provision": "mobility"}
    )

    assert titles_on(response) == ["Exchange with Warsaw"]


def test_search_finds_a_title_in_another_language_and_a_partner_name(
    officer_client, institution, partner
):
    AgreementFactory(
        title="Memorandum",
        search_text="memorandum меморандум о сотрудничестве",
        parties=[institution, partner],
    )
    AgreementFactory(title="Unrelated", parties=[institution, InstitutionFactory()])

    assert titles_on(officer_client.get(LIST, {"search": "сотрудничестве"})) == ["Memorandum"]
    assert titles_on(officer_client.get(LIST, {"search": "azerbaijan national"})) == ["Memorandum"]


def test_ending_within_days_lists_active_agreements_ending_soon(
    officer_client, institution, partner
):
    today = timezone.localdate()
    AgreementFactory(
        title="Ends soon",
        status=AgreementStatus.ACTIVE,
        valid_from=today - dt.timedelta(days=700),
        valid_to=today + dt.timedelta(days=30),
        parties=[institution, partner],
    )
    AgreementFactory(
        title="Ends later",
        status=AgreementStatus.ACTIVE,
        valid_from=today - dt.timedelta(days=700),
        valid_to=today + dt.timedelta(days=400),
        parties=[institution, partner],
    )

    response = officer_client.get(LIST, {"ending_within_days": "90"})

    assert titles_on(response) == ["Ends soon"]


def test_a_bad_filter_is_named_on_the_page(officer_client, institution, partner):
    AgreementFactory(title="Still listed", parties=[institution, partner])

    response = officer_client.get(LIST, {"country": "XX", "ending_within_days": "-4"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "XX is not an ISO 3166 country code" in content
    assert "Ensure this value is greater than or equal to 0." in content
    assert "Filters with errors are not applied." in content
    assert titles_on(response) == ["Still listed"]


def test_country_filter_is_a_select_of_countries(officer_client):
    content = officer_client.get(LIST).content.decode()
    assert '<select name="country"' in content
    assert '<option value="AZ">Azerbaijan</option>' in content


def test_pages_hold_fifty_and_keep_the_filters(officer_client, institution, partner):
    for n in range(51):
        AgreementFactory(
            title=f"Active {n}", status=AgreementStatus.ACTIVE, parties=[institution, partner]
        )
    AgreementFactory(title="A draft", parties=[institution, partner])

    first = officer_client.get(LIST, {"status": "active"})
    second = officer_client.get(LIST, {"status": "active", "page": "2"})

    assert len(titles_on(first)) == 50
    assert len(titles_on(second)) == 1
    assert 'href="?status=active&amp;page=2"' in first.content.decode()
    export = reverse("agreements:export_csv") + "?status=active"
    assert f'href="{export}"' in second.content.decode()


def test_the_list_runs_the_same_queries_for_one_and_fifty_rows(
    officer_client, institution, count_queries
):
    def make_rows(count: int) -> None:
        for _ in range(count):
            agreement = AgreementFactory(parties=[institution, InstitutionFactory()])
            ProvisionFactory(agreement=agreement)
            ProvisionFactory(agreement=agreement, kind=ProvisionKind.SCHOLARSHIP, terms={})

    make_rows(1)
    with count_queries() as one:
        response = officer_client.get(LIST, {"status": "draft"})
    assert len(titles_on(response)) == 1

    make_rows(49)
    with count_queries() as fifty:
        response = officer_client.get(LIST, {"status": "draft"})
    assert len(titles_on(response)) == 50

    assert len(fifty.captured_queries) == len(one.captured_queries)


def test_new_agreement_button_only_for_those_who_may_create(client, officer, institution):
    researcher = MembershipFactory(institution=institution, role="researcher").user
    new = reverse("agreements:create")

    client.force_login(officer)
    assert f'href="{new}"' in client.get(LIST).content.decode()

    client.force_login(researcher)
    assert f'href="{new}"' not in client.get(LIST).content.decode()


def test_rows_show_parties_with_countries_and_provision_tags(officer_client, institution, partner):
    agreement = AgreementFactory(title="Memorandum", parties=[institution, partner])
    ProvisionFactory(agreement=agreement, kind=ProvisionKind.JOINT_EVENTS)
    ProvisionFactory(agreement=agreement, kind=ProvisionKind.JOINT_EVENTS)
    ProvisionFactory(agreement=agreement, kind=ProvisionKind.SCHOLARSHIP, terms={})

    content = officer_client.get(LIST).content.decode()

    assert "Azerbaijan National Academy of Sciences" in content
    assert '<abbr class="country" title="Azerbaijan">AZ</abbr>' in content
    assert content.count('<span class="tag">Joint events</span>') == 1
    assert '<span class="tag">Scholarships</span>' in content


def test_others_public_agreements_are_listed_only_when_asked_for(
    officer_client, institution, partner
):
    own = AgreementFactory(title="Ours", parties=[institution, partner])
    AgreementFactory(title="Theirs, public", status=AgreementStatus.ACTIVE, is_public=True)
    AgreementFactory(title="Theirs, private", status=AgreementStatus.ACTIVE)

    by_default = officer_client.get(LIST)
    with_public = officer_client.get(LIST, {"scope": "all"})

    assert titles_on(by_default) == [own.title]
    assert sorted(titles_on(with_public)) == ["Ours", "Theirs, public"]


def test_platform_staff_list_every_agreement_whatever_the_scope(client, staff_user):
    AgreementFactory(title="Private one")
    AgreementFactory(title="Public one", status=AgreementStatus.ACTIVE, is_public=True)
    client.force_login(staff_user)

    assert sorted(titles_on(client.get(LIST))) == ["Private one", "Public one"]


def test_a_page_number_past_any_end_shows_the_last_page(officer_client, institution, partner):
    AgreementFactory(title="The only one", parties=[institution, partner])

    for number in ("99999999999999999999", "9" * 400, "-3", "two"):
        response = officer_client.get(LIST, {"page": number})

        assert response.status_code == 200, number
        assert titles_on(response) == ["The only one"], number


@pytest.fixture
def ending_in_turn(institution, partner):
    """Three agreements added in one order that end in another."""
    for title, valid_to in [
        ("Ends 2031", dt.date(2031, 6, 30)),
        ("Ends 2027", dt.date(2027, 6, 30)),
        ("No end date", None),
    ]:
        AgreementFactory(title=title, valid_to=valid_to, parties=[institution, partner])


def test_the_list_is_ordered_as_asked_and_pages_keep_the_order(
    officer_client, institution, partner, ending_in_turn
):
    newest = officer_client.get(LIST)
    by_end = officer_client.get(LIST, {"sort": "ending", "status": "draft"})

    assert titles_on(newest) == ["No end date", "Ends 2027", "Ends 2031"]
    assert titles_on(by_end) == ["Ends 2027", "Ends 2031", "No end date"]
    content = by_end.content.decode()
    assert '<select name="sort" id="id_sort">' in content
    assert '<option value="ending" selected>By end date</option>' in content
    assert '<th scope="col" aria-sort="ascending">Valid</th>' in content
    assert "aria-sort" not in newest.content.decode()
    # An invalid filter beside it leaves the order as asked.
    with_bad_filter = officer_client.get(LIST, {"sort": "ending", "country": "XX"})
    assert titles_on(with_bad_filter) == ["Ends 2027", "Ends 2031", "No end date"]
    for n in range(50):
        AgreementFactory(title=f"Draft {n}", valid_to=None, parties=[institution, partner])
    first = officer_client.get(LIST, {"sort": "ending"}).content.decode()
    assert 'href="?sort=ending&amp;page=2"' in first
    assert f'href="{reverse("agreements:export_csv")}?sort=ending"' in first


def test_ordering_alone_is_not_a_filter(officer_client, ending_in_turn):
    content = officer_client.get(LIST, {"sort": "changed"}).content.decode()
    assert "3 agreements" in content
    assert "match the filters" not in content
    assert ">Clear</a>" not in content


def test_clearing_the_filters_keeps_the_order(officer_client, ending_in_turn):
    ordered = officer_client.get(LIST, {"sort": "ending", "status": "draft"}).content.decode()
    newest = officer_client.get(LIST, {"status": "draft"}).content.decode()
    nothing = officer_client.get(LIST, {"sort": "ending", "kind": "joint_degree"})

    assert f'<a href="{LIST}?sort=ending" class="secondary">Clear</a>' in ordered
    assert f'<a href="{LIST}" class="secondary">Clear</a>' in newest
    assert f'<a href="{LIST}?sort=ending">Show all agreements</a>' in nothing.content.decode()


def test_what_is_not_a_filter_does_not_count_as_one(officer_client, ending_in_turn):
    content = officer_client.get(LIST, {"page": "1", "utm_source": "newsletter"})

    assert "3 agreements" in content.content.decode()
    assert ">Clear</a>" not in content.content.decode()


def test_an_unknown_order_is_named_and_the_list_stays_newest_first(officer_client, ending_in_turn):
    response = officer_client.get(LIST, {"sort": "cheapest"})

    assert response.status_code == 200
    assert "Select a valid choice. cheapest is not one of the available choices." in (
        response.content.decode()
    )
    assert titles_on(response) == ["No end date", "Ends 2027", "Ends 2031"]


def test_an_ordered_list_runs_the_same_queries_as_the_newest_first(
    officer_client, ending_in_turn, count_queries
):
    counts = []
    for sort in ("newest", "ending", "changed"):
        with count_queries() as context:
            response = officer_client.get(LIST, {"sort": sort})
        assert len(titles_on(response)) == 3
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1] == counts[2]


@pytest.mark.parametrize(
    ("language", "counted"), [("en", "1,000 agreements"), ("ru", "1\xa0000 соглашений")]
)
def test_a_count_is_grouped_as_the_readers_language_groups_thousands(
    client, staff_user, language, counted
):
    Agreement.objects.bulk_create(
        Agreement(kind=AgreementKind.MOU, title=f"Memorandum {n}", search_text=f"memorandum {n}")
        for n in range(1000)
    )
    client.force_login(staff_user)

    page = client.get(LIST, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert counted in page
