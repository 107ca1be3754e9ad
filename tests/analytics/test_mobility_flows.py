import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from accord.analytics.mobility_flows import SUPPRESSED, SUPPRESSION_THRESHOLD
from accord.analytics.mobility_flows.report import Protection
from accord.mobility.models import (
    Funding,
    MobilityKind,
    MobilityStatus,
    ObligationStatus,
    ReturnObligation,
)
from tests.factories import AgreementFactory, InstitutionFactory, MembershipFactory, UserFactory
from tests.mobility.records import MobilityFactory, mobilities

URL = reverse("analytics:mobility_flows")


@pytest.fixture
def kaznu(institution):
    return institution


@pytest.fixture
def warsaw(db):
    return InstitutionFactory(name="University of Warsaw", country="PL", slug="uw")


@pytest.fixture
def berlin(db):
    return InstitutionFactory(name="Humboldt University of Berlin", country="DE", slug="hu")


@pytest.fixture
def ankara(db):
    return InstitutionFactory(name="Ankara University", country="TR", slug="ankara")


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def csv_rows(client, chart, **params):
    response = client.get(URL, {**params, "format": "csv", "chart": chart})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def table(response, name):
    return response.context["tables"][name.replace("-", "_")].table


def total(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.context["summary"].total


# Who may see it ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "officer", "coordinator"])
def test_staff_of_any_institution_see_the_flows(client, role, kaznu, warsaw, berlin):
    mobilities(kaznu, warsaw, 6)
    mobilities(warsaw, berlin, 7)
    user = MembershipFactory(institution=InstitutionFactory(country="FR"), role=role).user
    client.force_login(user)

    response = client.get(URL)

    assert response.status_code == 200
    # Figures cover every mobility on the platform, not only the user's institution.
    assert response.context["summary"].total == 13


def test_platform_staff_see_the_flows(client, staff_user, kaznu, warsaw):
    mobilities(kaznu, warsaw, 5)
    client.force_login(staff_user)

    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("role", ["student", "researcher", "reviewer"])
def test_students_and_researchers_are_refused(client, role, kaznu):
    client.force_login(MembershipFactory(institution=kaznu, role=role).user)

    assert client.get(URL).status_code == 403
    assert client.get(URL, {"format": "csv", "chart": "flows"}).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_and_its_downloads_show_no_personal_data(officer_client, kaznu, warsaw):
    people = mobilities(kaznu, warsaw, 6, status=MobilityStatus.COMPLETED, returned_home=True)
    people[0].given_names, people[0].family_name = "Zhansaya", "Omarbekova"
    people[0].email = "zhansaya.omarbekova@kaznu.kz"
    people[0].save()

    page = officer_client.get(URL).content.decode()
    downloads = "".join(
        officer_client.get(URL, {"format": "csv", "chart": name}).content.decode()
        for name in ("destinations", "origins", "flows", "trends", "partner-hosts")
    )

    for text in (page, downloads):
        assert "Zhansaya" not in text
        assert "Omarbekova" not in text
        assert "@kaznu.kz" not in text
        assert "Aigerim" not in text  # the factory's other given names


# The figures -------------------------------------------------------------------------------------


def test_flows_are_counted_by_country_pair(officer_client, kaznu, warsaw, berlin):
    mobilities(kaznu, warsaw, 12)
    mobilities(kaznu, berlin, 6)
    mobilities(warsaw, berlin, 5)
    mobilities(kaznu, warsaw, 3, status=MobilityStatus.CANCELLED)

    rows = csv_rows(officer_client, "flows")

    assert rows == [
        ["From", "To", "Mobilities"],
        ["Kazakhstan", "Poland", "12"],
        ["Kazakhstan", "Germany", "6"],
        ["Poland", "Germany", "5"],
    ]


def test_sankey_chart_draws_only_flows_that_are_shown(
    officer_client, kaznu, warsaw, berlin, ankara
):
    mobilities(kaznu, warsaw, 8)
    mobilities(kaznu, berlin, 2)
    mobilities(kaznu, ankara, 3)

    chart = table(officer_client.get(URL), "flows").chart

    assert chart["flows"] == [{"from": "from:KZ", "to": "to:PL", "flow": 8}]
    assert chart["labels"] == {"from:KZ": "Kazakhstan", "to:PL": "Poland"}


def test_institution_point_of_view_splits_outgoing_and_incoming(
    officer_client, kaznu, warsaw, berlin
):
    mobilities(kaznu, warsaw, 9)
    mobilities(berlin, kaznu, 6)
    mobilities(warsaw, berlin, 20)

    response = officer_client.get(URL, {"institution": kaznu.slug})

    assert response.context["report"].point_of_view == kaznu.name
    assert table(response, "destinations").rows == [["Poland", 9]]
    assert table(response, "origins").rows == [["Germany", 6]]
    assert [row[0] for row in table(response, "partner-hosts").rows] == [warsaw.name]
    assert [row[0] for row in table(response, "partner-homes").rows] == [berlin.name]


def test_country_point_of_view_and_trends_by_year(officer_client, kaznu, warsaw, berlin):
    mobilities(kaznu, warsaw, 6, start_date=dt.date(2023, 10, 1), end_date=dt.date(2024, 2, 1))
    mobilities(kaznu, warsaw, 8, start_date=dt.date(2024, 10, 1), end_date=dt.date(2025, 2, 1))
    mobilities(warsaw, kaznu, 5, start_date=dt.date(2024, 10, 1), end_date=dt.date(2025, 2, 1))

    rows = csv_rows(officer_client, "trends", country="KZ")

    assert rows == [
        ["Academic year", "Poland", "Outgoing", "Incoming"],
        ["2023/2024", "6", "6", "0"],
        ["2024/2025", "8", "8", "5"],
    ]


def test_share_under_an_agreement_by_year(officer_client, kaznu, warsaw):
    agreement = AgreementFactory(parties=[kaznu, warsaw])
    mobilities(kaznu, warsaw, 6, agreement=agreement)
    mobilities(kaznu, warsaw, 14)

    rows = csv_rows(officer_client, "agreements")

    assert rows[1] == ["2025/2026", "20", "6", "14", "30.0"]


def test_return_rate_by_cohort_and_country(officer_client, kaznu, warsaw, berlin):
    completed = {"status": MobilityStatus.COMPLETED}
    # Ends in June 2024: cohort 2023/2024; in October 2024: cohort 2024/2025.
    june = {"start_date": dt.date(2023, 10, 1), "end_date": dt.date(2024, 6, 30)}
    october = {"start_date": dt.date(2024, 2, 1), "end_date": dt.date(2024, 10, 15)}
    mobilities(kaznu, warsaw, 15, returned_home=True, **completed, **june)
    mobilities(kaznu, warsaw, 5, returned_home=False, **completed, **june)
    mobilities(kaznu, berlin, 6, returned_home=True, **completed, **october)
    mobilities(kaznu, berlin, 6, returned_home=None, **completed, **october)

    cohorts = csv_rows(officer_client, "returns-cohort")
    countries = csv_rows(officer_client, "returns-country")

    assert cohorts[1:] == [
        ["2023/2024", "20", "15", "5", "75.0"],
        ["2024/2025", "6", "6", "0", "100.0"],
    ]
    assert countries[1:] == [
        ["Poland", "20", "15", "5", "75.0"],
        ["Germany", "6", "6", "0", "100.0"],
    ]


def test_obligations_by_status(officer_client, kaznu, warsaw):
    for status, n in (
        (ObligationStatus.PENDING, 7),
        (ObligationStatus.FULFILLED, 9),
        (ObligationStatus.BREACHED, 2),
    ):
        for mobility in mobilities(kaznu, warsaw, n):
            ReturnObligation.objects.create(
                mobility=mobility,
                programme="Bolashak",
                years_of_work=5,
                return_within_months=6,
                due_on=dt.date(2026, 8, 31),
                status=status,
            )

    rows = csv_rows(officer_client, "obligations")

    assert rows[1:] == [
        ["Pending", "7"],
        ["Fulfilled", "9"],
        ["Breached", SUPPRESSED],
        ["Waived", "0"],
    ]


# Small counts ------------------------------------------------------------------------------------


def test_counts_below_the_threshold_are_shown_as_less_than_five(
    officer_client, kaznu, warsaw, berlin, ankara
):
    assert SUPPRESSION_THRESHOLD == 5
    mobilities(kaznu, warsaw, 7)
    mobilities(kaznu, berlin, 4)
    mobilities(kaznu, ankara, 3)

    response = officer_client.get(URL)
    page = response.content.decode()

    expected = [["Poland", 7], ["Germany", "<5"], ["Türkiye", "<5"]]
    assert table(response, "destinations").rows == expected
    assert '<td class="num">&lt;5</td>' in page
    assert '<td class="num">7</td>' in page
    map_items = table(response, "destinations").chart["items"]
    assert [(item["code"], item["value"], item["display"]) for item in map_items] == [
        ("PL", 7, "7"),
        ("DE", None, "<5"),
        ("TR", None, "<5"),
    ]
    assert csv_rows(officer_client, "destinations")[1:] == [
        [country, str(count)] for country, count in expected
    ]
    assert csv_rows(officer_client, "partner-hosts")[1:] == [
        ["University of Warsaw", "Poland", "7"],
        ["Humboldt University of Berlin", "Germany", "<5"],
        ["Ankara University", "Türkiye", "<5"],
    ]


def test_a_single_small_count_is_not_given_away_by_its_total(officer_client, kaznu, warsaw, berlin):
    # 11 in all, 7 to Poland: showing the 7 would tell that 4 went to Germany.
    mobilities(kaznu, warsaw, 7)
    mobilities(kaznu, berlin, 4)

    response = officer_client.get(URL)

    assert response.context["summary"].total == 11
    assert table(response, "destinations").rows == [["Poland", "≥5"], ["Germany", "<5"]]
    assert [item["value"] for item in table(response, "destinations").chart["items"]] == [
        None,
        None,
    ]
    assert csv_rows(officer_client, "flows")[1:] == [
        ["Kazakhstan", "Poland", "≥5"],
        ["Kazakhstan", "Germany", "<5"],
    ]
    [year] = table(response, "trends").rows
    assert year[1:] == ["≥5", "<5", 11]
    assert table(response, "trends").chart["series"][0]["marks"] == ["≥5"]


def test_a_small_year_is_not_given_away_by_the_summary_total(officer_client, kaznu, warsaw):
    # 33 in all, 30 in 2024/2025: showing the 30 would tell that 2023/2024 had 3.
    mobilities(kaznu, warsaw, 3, start_date=dt.date(2023, 10, 1), end_date=dt.date(2024, 2, 1))
    mobilities(kaznu, warsaw, 30, start_date=dt.date(2024, 10, 1), end_date=dt.date(2025, 2, 1))

    response = officer_client.get(URL)

    assert response.context["summary"].total == 33
    assert table(response, "trends").rows == [
        ["2023/2024", "<5", "<5"],
        ["2024/2025", "≥5", "≥5"],
    ]
    assert [row[1] for row in table(response, "agreements").rows] == ["<5", "≥5"]


def test_under_and_without_an_agreement_do_not_give_each_other_away(officer_client, kaznu, warsaw):
    agreement = AgreementFactory(parties=[kaznu, warsaw])
    mobilities(kaznu, warsaw, 9, agreement=agreement)
    mobilities(kaznu, warsaw, 2)

    [row] = table(officer_client.get(URL), "agreements").rows

    assert row[1:] == [11, "≥5", "<5", None]


def test_a_total_below_five_is_suppressed_too(officer_client, kaznu, warsaw):
    mobilities(kaznu, warsaw, 3)

    response = officer_client.get(URL)

    assert response.context["summary"].total == "<5"
    assert csv_rows(officer_client, "flows")[1:] == [["Kazakhstan", "Poland", "<5"]]


def test_rates_over_fewer_than_five_are_hidden(officer_client, kaznu, warsaw):
    mobilities(kaznu, warsaw, 4, status=MobilityStatus.COMPLETED, returned_home=True)

    rows = csv_rows(officer_client, "returns-country")

    assert rows[1:] == [["Poland", "<5", "<5", "0", ""]]
    assert officer_client.get(URL).context["summary"].return_rate is None


def test_a_rate_or_a_count_that_would_reveal_a_small_count_is_hidden(officer_client, kaznu, warsaw):
    # 10 known, 8 returned: the 8, or the rate 80 %, would tell that 2 did not return.
    mobilities(kaznu, warsaw, 8, status=MobilityStatus.COMPLETED, returned_home=True)
    mobilities(kaznu, warsaw, 2, status=MobilityStatus.COMPLETED, returned_home=False)

    rows = csv_rows(officer_client, "returns-country")

    assert rows[1:] == [["Poland", "10", "≥5", "<5", ""]]


# Filters -----------------------------------------------------------------------------------------


@pytest.fixture
def varied(kaznu, warsaw, berlin):
    mobilities(
        kaznu, warsaw, 5, eqf_level=6, isced_code="0611", kind=MobilityKind.DEGREE_STUDY,
        funding=Funding.SELF_FUNDED, start_date=dt.date(2021, 10, 1), end_date=dt.date(2024, 6, 30),
    )  # fmt: skip
    mobilities(
        kaznu, berlin, 6, eqf_level=7, isced_code="0613", kind=MobilityKind.SEMESTER_EXCHANGE,
        funding=Funding.GOVERNMENT, start_date=dt.date(2023, 10, 1), end_date=dt.date(2024, 2, 28),
    )  # fmt: skip
    mobilities(
        warsaw, berlin, 7, eqf_level=7, isced_code="0231", kind=MobilityKind.TRAINEESHIP,
        funding=Funding.SCHOLARSHIP, start_date=dt.date(2024, 10, 1), end_date=dt.date(2025, 1, 31),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 18),
        ({"year_from": "2022/2023"}, 13),
        ({"year_to": "2023/2024"}, 11),
        ({"year_from": "2023/2024", "year_to": "2023/2024"}, 6),
        ({"eqf_level": "7"}, 13),
        ({"isced": "06"}, 11),
        ({"isced": "061"}, 11),
        ({"isced": "0613"}, 6),
        ({"kind": MobilityKind.TRAINEESHIP}, 7),
        ({"funding": Funding.SELF_FUNDED}, 5),
        ({"institution": "uw"}, 12),
        ({"country": "DE"}, 13),
        ({"country": "de", "eqf_level": "7", "isced": "02"}, 7),
    ],
)
def test_filters_narrow_the_figures(officer_client, varied, params, expected):
    assert total(officer_client, **params) == expected


def test_downloads_follow_the_filters(officer_client, varied):
    assert csv_rows(officer_client, "flows", kind=MobilityKind.TRAINEESHIP)[1:] == [
        ["Poland", "Germany", "7"]
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"isced": "9999"},
        {"eqf_level": "9"},
        {"country": "XX"},
        {"institution": "nowhere"},
        {"kind": "holiday"},
        {"year_from": "2024/2025", "year_to": "2021/2022"},
    ],
)
def test_a_bad_filter_is_reported_and_not_applied(officer_client, varied, params):
    response = officer_client.get(URL, params)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "Filters with errors are not applied." in response.content.decode()


def test_an_unknown_chart_cannot_be_downloaded(officer_client, db):
    assert officer_client.get(URL, {"format": "csv", "chart": "people"}).status_code == 404


# Downloads are safe ------------------------------------------------------------------------------


def test_downloaded_cells_never_start_a_formula(officer_client, kaznu):
    for name in ('=HYPERLINK("http://evil.example")', "+1 University", "-2 Institute", "@SUM"):
        host = InstitutionFactory(name=name, country="PL")
        mobilities(kaznu, host, 5)

    rows = csv_rows(officer_client, "partner-hosts")

    names = sorted(row[0] for row in rows[1:])
    assert names == sorted(
        ['\'=HYPERLINK("http://evil.example")', "'+1 University", "'-2 Institute", "'@SUM"]
    )
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# Queries -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"institution": "uw", "year_from": "2020/2021"}])
def test_the_page_runs_a_constant_number_of_queries(
    officer_client, kaznu, warsaw, berlin, count_queries, params
):
    def queries() -> int:
        with count_queries() as ctx:
            response = officer_client.get(URL, params)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    mobilities(kaznu, warsaw, 1, status=MobilityStatus.COMPLETED, returned_home=True)
    one = queries()
    for n in range(49):
        home, host = [(kaznu, warsaw), (warsaw, berlin), (berlin, kaznu)][n % 3]
        other = InstitutionFactory(country=["TR", "US", "GB"][n % 3])
        mobility = MobilityFactory(
            home_institution=home if n % 2 else other,
            host_institution=host,
            status=MobilityStatus.COMPLETED,
            returned_home=bool(n % 4),
            start_date=dt.date(2019 + n % 6, 10, 1),
            end_date=dt.date(2020 + n % 6, 6, 30),
        )
        ReturnObligation.objects.create(
            mobility=mobility,
            programme="Bolashak",
            years_of_work=5,
            return_within_months=6,
            due_on=dt.date(2027, 1, 1),
        )
    fifty = queries()

    # session, user, memberships (permission), first year, top hosts, top homes, their names,
    # the flows, the returns, the obligations; a filter by institution looks it up once more.
    assert fifty == one == (11 if params else 10)


def test_a_user_with_no_mobilities_sees_empty_tables(officer_client, db):
    response = officer_client.get(URL)

    assert response.status_code == 200
    assert response.context["summary"].total == 0
    assert "No mobilities match." in response.content.decode()


def test_the_nav_links_to_the_flows(officer_client, db):
    assert f'href="{URL}"' in officer_client.get(reverse("home")).content.decode()


def test_a_user_who_only_studies_is_refused_however_many_mobilities_exist(client, kaznu, warsaw):
    student = UserFactory()
    MembershipFactory(user=student, institution=kaznu, role="student")
    mobilities(kaznu, warsaw, 6, user=student)
    client.force_login(student)

    assert client.get(URL).status_code == 403


# Protection of small counts in groups ----------------------------------------------------------


def test_the_count_hiding_a_small_one_leaves_every_value_of_it_possible():
    # Hiding the 5 would leave 1 + 5 = 6 hidden: "<5" and "≥5" adding up to 6 make the small
    # one 1. Hiding the 20 leaves 21, which any small count from 1 to 4 fits.
    hidden = Protection({"a": 1, "b": 5, "c": 20}, [["a", "b", "c"]])

    assert [hidden.cell(key) for key in "abc"] == ["<5", 5, "≥5"]


def test_groups_are_protected_until_none_has_a_single_hidden_count():
    counts = {("2023", "DE"): 3, ("2023", "FR"): 12, ("2024", "DE"): 10, ("2024", "FR"): 20}
    rows = [[("2023", "DE"), ("2023", "FR")], [("2024", "DE"), ("2024", "FR")]]
    columns = [[("2023", "DE"), ("2024", "DE")], [("2023", "FR"), ("2024", "FR")]]

    hidden = Protection(counts, [*rows, *columns])

    for group in rows + columns:
        assert sum(hidden.hides(key) for key in group) != 1
    assert hidden.cell(("2023", "DE")) == "<5"


def test_a_small_count_alone_with_zeros_cannot_be_hidden_by_another():
    hidden = Protection({"a": 3, "b": 0}, [["a", "b"]])

    assert [hidden.cell(key) for key in "ab"] == ["<5", 0]
