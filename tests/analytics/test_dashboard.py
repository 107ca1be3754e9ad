import datetime as dt

import pytest
from django.utils import timezone

from accord.agreements.models import AgreementStatus
from accord.analytics.selectors import dashboard_summary_for
from accord.core.audit import audit_record
from tests.factories import AgreementFactory, InstitutionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _status_counts(response) -> dict[str, int]:
    return {item.status: item.count for item in response.context["summary"].status_counts}


def test_dashboard_counts_own_agreements_by_status(client, officer, institution, partner):
    for status, n in [("draft", 2), ("negotiation", 1), ("active", 3), ("terminated", 1)]:
        for _ in range(n):
            AgreementFactory(parties=[institution, partner], status=status)
    AgreementFactory(status="active", is_public=True)  # others' public agreement: not ours
    AgreementFactory(status="draft")

    client.force_login(officer)
    response = client.get("/")

    assert response.status_code == 200
    assert _status_counts(response) == {
        "draft": 2,
        "negotiation": 1,
        "signing": 0,
        "active": 3,
        "expired": 0,
        "terminated": 1,
    }
    assert response.context["summary"].total == 7


def test_status_cards_link_to_the_agreement_list_of_the_users_institution(
    client, officer, institution
):
    client.force_login(officer)
    html = client.get("/").content.decode()

    own = f"/agreements/?institution={institution.slug}"
    assert f'href="{own}"' in html
    for status in AgreementStatus.values:
        assert f'href="{own}&amp;status={status}"' in html


def test_status_cards_of_platform_staff_link_to_the_whole_list(client, staff_user):
    client.force_login(staff_user)
    html = client.get("/").content.decode()

    for status in AgreementStatus.values:
        assert f'href="/agreements/?status={status}"' in html


def test_platform_staff_count_every_agreement(client, staff_user):
    AgreementFactory(status="draft")
    AgreementFactory(status="active")
    AgreementFactory(status="active", is_public=True)

    client.force_login(staff_user)
    response = client.get("/")

    assert _status_counts(response)["active"] == 2
    assert response.context["summary"].total == 3
    assert response.context["summary"].platform_wide is True


def test_ending_soon_lists_active_agreements_ending_within_90_days(
    client, officer, institution, partner
):
    today = timezone.localdate()
    soon = AgreementFactory(
        parties=[institution, partner],
        status="active",
        title="Ends in ten days",
        valid_from=today - dt.timedelta(days=700),
        valid_to=today + dt.timedelta(days=10),
    )
    AgreementFactory(
        parties=[institution, partner],
        status="active",
        title="Ends in 89 days",
        valid_from=today - dt.timedelta(days=700),
        valid_to=today + dt.timedelta(days=89),
    )
    for title, status, days in [
        ("Ends in 120 days", "active", 120),
        ("Draft ending soon", "draft", 5),
        ("Already ended", "active", -1),
    ]:
        AgreementFactory(
            parties=[institution, partner],
            status=status,
            title=title,
            valid_from=today - dt.timedelta(days=700),
            valid_to=today + dt.timedelta(days=days),
        )

    client.force_login(officer)
    response = client.get("/")

    ending = response.context["summary"].ending_soon
    assert [(item.agreement.title, item.days_left) for item in ending] == [
        ("Ends in ten days", 10),
        ("Ends in 89 days", 89),
    ]
    assert ending[0].partners == [partner]
    html = response.content.decode()
    assert f'href="/agreements/{soon.pk}/"' in html
    assert "ending_within_days=90" not in html  # all of them are shown
    # The shortcut lists them as the card does, the first to end first.
    assert 'ending_within_days=365&amp;sort=ending"' in html


def test_partner_map_counts_distinct_partner_institutions_per_country(
    client, officer, institution, partner
):
    polish_a = InstitutionFactory(country="PL")
    polish_b = InstitutionFactory(country="PL")
    kazakh_partner = InstitutionFactory(country="KZ")
    AgreementFactory(parties=[institution, partner], status="active")
    AgreementFactory(parties=[institution, partner], status="draft")
    AgreementFactory(parties=[institution, polish_a, polish_b], status="signing")
    AgreementFactory(parties=[institution, kazakh_partner], status="negotiation")
    AgreementFactory(parties=[institution, InstitutionFactory(country="DE")], status="expired")
    AgreementFactory(parties=[InstitutionFactory(country="FR"), partner], status="active")

    client.force_login(officer)
    response = client.get("/")

    assert response.context["summary"].partner_countries == {"AZ": 1, "PL": 2, "KZ": 1}
    assert response.context["summary"].home_countries == ["KZ"]
    items = response.context["partner_map"].data["items"]
    assert {item["code"]: (item["id"], item["value"]) for item in items} == {
        "AZ": ("031", 1),
        "PL": ("616", 2),
        "KZ": ("398", 1),
    }
    assert '<canvas data-chart="world-map" data-source="partner-map-data"' in (
        response.content.decode()
    )


def test_recent_activity_hides_other_institutions_private_agreements(
    client, officer, institution, partner
):
    actor = UserFactory(first_name="Aigerim", last_name="Sultanova")
    ours = AgreementFactory(parties=[institution, partner], title="Our memorandum")
    theirs = AgreementFactory(title="Their secret memorandum", status="negotiation")
    public_of_others = AgreementFactory(
        title="Their public memorandum", status="active", is_public=True
    )
    audit_record(actor=actor, action="agreement.created", target=ours)
    audit_record(actor=actor, action="agreement.created", target=theirs)
    audit_record(actor=None, action="agreement.updated", target=public_of_others)
    audit_record(
        actor=actor,
        action="agreement.status_changed",
        target=ours,
        changes={"status": ["draft", "negotiation"]},
    )
    audit_record(actor=actor, action="agreement.updated", target=theirs)

    client.force_login(officer)
    response = client.get("/")

    activity = response.context["activity"]
    assert [(row.event.action, row.event.target_repr) for row in activity] == [
        ("agreement.status_changed", "Our memorandum"),
        ("agreement.created", "Our memorandum"),
    ]
    assert activity[0].status_change == ("Draft", "Negotiation")
    html = response.content.decode()
    assert "Their secret memorandum" not in html
    assert "Aigerim Sultanova" in html
    assert f'href="/agreements/{ours.pk}/"' in html


def test_recent_activity_shows_the_15_newest_events(client, officer, institution, partner):
    agreement = AgreementFactory(parties=[institution, partner])
    events = [
        audit_record(actor=officer, action="agreement.updated", target=agreement) for _ in range(20)
    ]

    client.force_login(officer)
    response = client.get("/")

    shown = [row.event.pk for row in response.context["activity"]]
    assert shown == [event.pk for event in reversed(events)][:15]


def test_dashboard_escapes_html_in_titles_and_names(client, officer, institution):
    evil = InstitutionFactory(name='<script>alert("inst")</script> University', country="AZ")
    agreement = AgreementFactory(
        parties=[institution, evil],
        status="active",
        title='<img src=x onerror="alert(1)"> Memorandum',
        valid_to=timezone.localdate() + dt.timedelta(days=20),
    )
    audit_record(actor=officer, action="agreement.created", target=agreement)

    client.force_login(officer)
    html = client.get("/").content.decode()

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Memorandum" in html
    assert "&lt;script&gt;alert(&quot;inst&quot;)&lt;/script&gt; University" in html


def test_person_without_memberships_sees_public_information(client):
    student = UserFactory(username="student")
    kaznu = InstitutionFactory(country="KZ")
    anas = InstitutionFactory(country="AZ")
    AgreementFactory(parties=[kaznu, anas], status="active", is_public=True, title="Open MoU")
    AgreementFactory(parties=[kaznu, anas], status="active", title="Closed MoU")

    client.force_login(student)
    response = client.get("/")

    assert response.status_code == 200
    assert response.templates[0].name == "analytics/dashboard_public.html"
    overview = response.context["overview"]
    assert overview.agreement_count == 1
    assert [item.agreement.title for item in overview.recent] == ["Open MoU"]
    assert overview.institution_countries == {"KZ": 1, "AZ": 1}
    html = response.content.decode()
    assert "Closed MoU" not in html
    assert "Partners by country" not in html
    assert 'href="/p/"' in html


def test_researcher_membership_does_not_open_the_office_dashboard(client, institution, partner):
    researcher = MembershipFactory(institution=institution, role="researcher").user
    AgreementFactory(parties=[institution, partner], status="draft", title="Office draft")

    client.force_login(researcher)
    response = client.get("/")

    assert response.context["member_of"] == [institution]
    assert "Office draft" not in response.content.decode()
    assert dashboard_summary_for(researcher).has_scope is False


def test_empty_dashboard_explains_instead_of_drawing_empty_charts(client, officer):
    client.force_login(officer)
    html = client.get("/").content.decode()

    assert "No partners yet" in html
    assert "Nothing ends in the next 90 days." in html
    assert "Nothing has happened yet." in html
    assert "data-chart=" not in html


def _populate(institution, partner, n):
    today = timezone.localdate()
    countries = ["AZ", "PL", "DE", "TR", "CN"]
    for i in range(n):
        other = InstitutionFactory(country=countries[i % len(countries)])
        agreement = AgreementFactory(
            parties=[institution, partner, other],
            status=AgreementStatus.values[(i + 3) % len(AgreementStatus.values)],
            valid_from=today - dt.timedelta(days=400),
            valid_to=today + dt.timedelta(days=(i % 4) * 30 + 1),
            auto_renew=bool(i % 2),
        )
        audit_record(actor=None, action="agreement.created", target=agreement)


@pytest.mark.parametrize("user_kind", ["officer", "staff"])
def test_dashboard_runs_a_constant_number_of_queries(
    client, count_queries, institution, partner, user_kind
):
    user = (
        UserFactory(is_staff=True)
        if user_kind == "staff"
        else MembershipFactory(institution=institution, role="officer").user
    )
    client.force_login(user)
    _populate(institution, partner, 1)
    client.get("/")  # warm caches (content types, session)

    with count_queries() as few:
        response = client.get("/")
    assert len(response.context["activity"]) == 1
    assert len(response.context["summary"].ending_soon) == 1

    _populate(institution, partner, 49)
    with count_queries() as many:
        response = client.get("/")
    assert response.context["summary"].total == 50
    assert len(response.context["activity"]) == 15

    assert len(many.captured_queries) == len(few.captured_queries)


def test_public_dashboard_runs_a_constant_number_of_queries(client, count_queries):
    client.force_login(UserFactory())
    kaznu = InstitutionFactory()
    AgreementFactory(parties=[kaznu, InstitutionFactory()], status="active", is_public=True)
    client.get("/")

    with count_queries() as few:
        client.get("/")
    for _ in range(49):
        AgreementFactory(parties=[kaznu, InstitutionFactory()], status="active", is_public=True)
    with count_queries() as many:
        response = client.get("/")

    assert response.context["overview"].agreement_count == 50
    assert len(many.captured_queries) == len(few.captured_queries)


def test_activity_says_what_each_event_was_about(client, officer, institution, partner):
    agreement = AgreementFactory(parties=[institution, partner])
    audit_record(
        actor=officer,
        action="agreement.updated",
        target=agreement,
        changes={"title": ["Old", "New"], "valid_to": ["2029-12-31", "2030-12-31"]},
    )
    audit_record(
        actor=officer,
        action="agreement.party_added",
        target=agreement,
        changes={"party": 7, "institution": "Baku State University"},
    )
    audit_record(
        actor=officer,
        action="agreement.provision_added",
        target=agreement,
        changes={"provision": 3, "kind": "mobility", "terms": {"places": [2, 4]}},
    )
    audit_record(
        actor=None,
        action="agreement.expired",
        target=agreement,
        changes={"status": ["active", "expired"]},
    )

    client.force_login(officer)
    rows = client.get("/").context["activity"]

    assert [(row.verb, row.detail, row.status_change, row.changed_fields) for row in rows] == [
        ("marked as expired", "", ("Active", "Expired"), []),
        ("added a provision to", "Mobility", None, []),
        ("added a party to", "Baku State University", None, []),
        ("edited", "", None, ["Title", "Valid to"]),
    ]
