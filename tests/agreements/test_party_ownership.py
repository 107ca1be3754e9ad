"""A party's own part of an agreement (its signature, signatory, coordinator, and its leaving)
is its own staff's to record; an institution that left keeps reading what it was party to."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accord.agreements import selectors, services
from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    FormerParty,
)
from accord.core.audit import audit_events_for
from tests.factories import (
    AgreementFactory,
    InstitutionFactory,
    MembershipFactory,
    agreement_row_counts,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/agreements"


@pytest.fixture
def warsaw(db):
    return InstitutionFactory(name="University of Warsaw", country="PL")


@pytest.fixture
def warsaw_officer(warsaw):
    return MembershipFactory(institution=warsaw, role="officer").user


@pytest.fixture
def third(db):
    return InstitutionFactory(name="Jagiellonian University", country="PL")


@pytest.fixture
def draft(officer, institution, warsaw):
    """A draft KazNU's officer created between KazNU and Warsaw."""
    return services.agreement_create(
        actor=officer,
        kind=AgreementKind.MOU,
        title="KazNU-Warsaw memorandum",
        institutions=[institution, warsaw],
    )


def kaznu_party(agreement, institution) -> AgreementParty:
    return AgreementParty.objects.select_related("agreement", "institution").get(
        agreement=agreement, institution=institution
    )


def url(name, agreement, *args):
    return reverse(f"agreements:{name}", args=[agreement.pk, *args])


def party_state(party: AgreementParty) -> tuple:
    party = AgreementParty.objects.get(pk=party.pk)
    return (party.signatory_name, party.signatory_position, party.signed_on, party.coordinator_id)


# The scenario: a co-party cannot lock the other party out ------------------------------------


def test_a_co_party_cannot_sign_for_remove_or_lock_out_the_party_that_created_it(
    client, officer, institution, warsaw, warsaw_officer, third, draft
):
    client.force_login(warsaw_officer)
    party = kaznu_party(draft, institution)

    signed = client.post(
        url("party_sign", draft, party.pk),
        {"signatory_name": "Somebody", "signed_on": "2025-01-10"},
    )
    added = client.post(url("party_add", draft), {"institution": third.slug})
    removed = client.post(url("party_remove", draft, party.pk))

    assert (signed.status_code, added.status_code, removed.status_code) == (403, 302, 403)
    assert party_state(party) == ("", "", None, None)
    assert set(draft.parties.values_list("institution", flat=True)) == {
        institution.pk,
        warsaw.pk,
        third.pk,
    }
    client.force_login(officer)
    assert client.get(url("detail", draft)).status_code == 200


# Signature, signatory and coordinator --------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "officer", "coordinator"])
def test_another_partys_staff_may_not_record_a_partys_signature(role, institution, warsaw, draft):
    other = MembershipFactory(institution=warsaw, role=role).user
    party = kaznu_party(draft, institution)
    before = agreement_row_counts()

    with pytest.raises(PermissionDenied) as refused:
        services.party_sign(
            actor=other, party=party, signatory_name="Somebody", signed_on=dt.date(2025, 1, 10)
        )

    assert str(refused.value) == (
        f"Only the staff of {institution.name} may change what {institution.name} records."
    )
    assert party_state(party) == ("", "", None, None)
    assert agreement_row_counts() == before


def test_another_partys_staff_may_not_name_a_partys_coordinator(
    client, institution, warsaw_officer, draft
):
    kaznu_coordinator = MembershipFactory(institution=institution, role="coordinator").user
    party = kaznu_party(draft, institution)
    before = agreement_row_counts()

    with pytest.raises(PermissionDenied):
        services.party_set_coordinator(
            actor=warsaw_officer, party=party, coordinator=kaznu_coordinator
        )
    client.force_login(warsaw_officer)
    response = client.post(
        url("party_coordinator", draft, party.pk), {"coordinator": kaznu_coordinator.pk}
    )

    assert response.status_code == 403
    assert party_state(party) == ("", "", None, None)
    assert agreement_row_counts() == before


def test_the_pages_refuse_another_partys_signature_and_change_nothing(
    client, institution, warsaw_officer, draft
):
    client.force_login(warsaw_officer)
    party = kaznu_party(draft, institution)
    before = agreement_row_counts()

    response = client.post(
        url("party_sign", draft, party.pk),
        {"signatory_name": "Somebody", "signatory_position": "Rector", "signed_on": "2025-01-10"},
    )

    assert response.status_code == 403
    assert party_state(party) == ("", "", None, None)
    assert agreement_row_counts() == before


@pytest.mark.parametrize("role", ["researcher", "student", "reviewer"])
def test_a_partys_members_who_are_not_its_staff_may_not_record_its_part(
    client, role, institution, third, draft
):
    member = MembershipFactory(institution=institution, role=role).user
    services.party_add(actor=draft.created_by, agreement=draft, institution=third)
    party = kaznu_party(draft, institution)
    before = agreement_row_counts()

    for act in (
        lambda: services.party_sign(
            actor=member, party=party, signatory_name="Me", signed_on=dt.date(2025, 1, 10)
        ),
        lambda: services.party_set_coordinator(actor=member, party=party, coordinator=member),
        lambda: services.party_remove(actor=member, party=party),
    ):
        with pytest.raises(PermissionDenied):
            act()
    client.force_login(member)
    # They do not see the private agreement at all: its existence is not revealed.
    assert client.post(url("party_remove", draft, party.pk)).status_code == 404
    assert agreement_row_counts() == before


@pytest.mark.parametrize("role", ["admin", "officer", "coordinator"])
def test_a_partys_own_staff_record_its_signature_and_coordinator(
    role, warsaw, warsaw_officer, draft
):
    own = MembershipFactory(institution=warsaw, role=role).user
    party = kaznu_party(draft, warsaw)

    services.party_sign(
        actor=own,
        party=party,
        signatory_name="Alojzy Nowak",
        signatory_position="Rector",
        signed_on=dt.date(2025, 1, 10),
    )
    services.party_set_coordinator(actor=own, party=party, coordinator=warsaw_officer)

    assert party_state(party) == (
        "Alojzy Nowak",
        "Rector",
        dt.date(2025, 1, 10),
        warsaw_officer.pk,
    )
    assert [e.action for e in audit_events_for(draft)][:2] == [
        "agreement.coordinator_set",
        "agreement.party_signed",
    ]


def test_platform_staff_record_any_partys_signature_and_remove_any_party(
    staff_user, institution, third, draft
):
    services.party_add(actor=staff_user, agreement=draft, institution=third)
    party = kaznu_party(draft, institution)

    services.party_sign(
        actor=staff_user, party=party, signatory_name="Galym Mutanov", signed_on=dt.date(2025, 1, 9)
    )
    services.party_remove(actor=staff_user, party=kaznu_party(draft, third))

    assert party_state(party)[2] == dt.date(2025, 1, 9)
    assert list(draft.former_parties.values_list("institution", flat=True)) == [third.pk]


def test_the_page_offers_only_the_readers_own_party_to_sign_and_remove(
    client, institution, warsaw, warsaw_officer, third, draft
):
    services.party_add(actor=warsaw_officer, agreement=draft, institution=third)
    client.force_login(warsaw_officer)

    content = client.get(url("detail", draft)).content.decode()

    own = kaznu_party(draft, warsaw)
    for party in draft.parties.exclude(pk=own.pk):
        assert url("party_sign", draft, party.pk) not in content
        assert url("party_remove", draft, party.pk) not in content
        assert url("party_coordinator", draft, party.pk) not in content
    assert url("party_sign", draft, own.pk) in content
    assert url("party_remove", draft, own.pk) in content
    assert url("party_coordinator", draft, own.pk) in content


# Leaving ------------------------------------------------------------------------------------


def test_another_partys_staff_may_not_remove_a_party(
    client, institution, warsaw_officer, third, draft
):
    services.party_add(actor=warsaw_officer, agreement=draft, institution=third)
    party = kaznu_party(draft, institution)
    before = agreement_row_counts()

    with pytest.raises(PermissionDenied):
        services.party_remove(actor=warsaw_officer, party=party)
    client.force_login(warsaw_officer)
    response = client.post(url("party_remove", draft, party.pk))

    assert response.status_code == 403
    assert draft.parties.filter(institution=institution).exists()
    assert agreement_row_counts() == before


def test_a_party_leaves_by_its_own_staffs_decision_and_is_remembered(
    officer, institution, warsaw_officer, third, draft
):
    services.party_add(actor=warsaw_officer, agreement=draft, institution=third)

    services.party_remove(actor=officer, party=kaznu_party(draft, institution))

    assert not draft.parties.filter(institution=institution).exists()
    (former,) = FormerParty.objects.filter(agreement=draft)
    assert former.institution == institution
    event = audit_events_for(draft).first()
    assert (event.action, event.actor, event.changes["institution"]) == (
        "agreement.party_removed",
        officer,
        institution.name,
    )


def test_an_institution_that_left_and_is_added_again_is_a_party_again(
    officer, institution, warsaw_officer, third, draft
):
    services.party_add(actor=warsaw_officer, agreement=draft, institution=third)
    services.party_remove(actor=officer, party=kaznu_party(draft, institution))

    services.party_add(actor=warsaw_officer, agreement=draft, institution=institution)

    assert draft.parties.filter(institution=institution).exists()
    assert not FormerParty.objects.filter(agreement=draft).exists()
    assert officer.has_perm(
        "agreements.change_agreement", selectors.agreement_for_detail(officer, draft.pk)
    )


# A former party reads, and changes nothing ----------------------------------------------------


@pytest.fixture
def left(officer, institution, warsaw_officer, third, draft):
    """KazNU left the draft (by its officer's decision) after Warsaw added a third party."""
    services.party_add(actor=warsaw_officer, agreement=draft, institution=third)
    services.party_remove(actor=officer, party=kaznu_party(draft, institution))
    return draft


def test_a_former_partys_staff_still_open_the_agreement_and_its_history(client, officer, left):
    client.force_login(officer)

    response = client.get(url("detail", left))

    content = " ".join(response.content.decode().split())
    assert response.status_code == 200
    assert "left this agreement on" in content
    assert "removed a party" in content  # the history
    assert 'id="history"' in content
    assert url("edit", left) not in content
    assert "Record signature" not in content
    assert url("party_add", left) not in content


@pytest.mark.parametrize("by_id", [True, False], ids=["by id", "by subquery"])
def test_a_former_party_finds_the_agreement_in_its_list_marked_as_left(
    client, officer, left, by_id, monkeypatch
):
    if not by_id:
        monkeypatch.setattr(selectors, "MAX_LEFT_IDS", 0)
    client.force_login(officer)

    for query in ({}, {"scope": "all"}):
        response = client.get(reverse("agreements:list"), query)
        rows = response.context["page"].object_list
        assert [row.id for row in rows] == [left.pk]
        assert [party.name for party in rows[0].former_parties] == [
            "Al-Farabi Kazakh National University"
        ]
        assert "left on" in response.content.decode()


def test_a_former_party_reads_the_agreement_through_the_api(client, officer, institution, left):
    client.force_login(officer)

    detail = client.get(f"{API}/{left.pk}")
    history = client.get(f"{API}/{left.pk}/history")
    listed = client.get(f"{API}/")

    assert detail.status_code == 200
    body = detail.json()
    assert [f["institution"]["id"] for f in body["former_parties"]] == [institution.pk]
    assert body["permissions"]["change"] is False
    assert history.status_code == 200
    assert history.json()[0]["action"] == "agreement.party_removed"
    (row,) = listed.json()["results"]
    assert row["id"] == left.pk
    assert [f["institution"]["id"] for f in row["former_parties"]] == [institution.pk]


def test_a_former_party_changes_nothing_any_more(client, officer, institution, warsaw, left):
    client.force_login(officer)
    warsaw_party = kaznu_party(left, warsaw)
    before = agreement_row_counts()

    responses = [
        client.post(url("edit", left), {"title": "Ours again"}),
        client.post(url("party_add", left), {"institution": institution.slug}),
        client.post(
            url("party_sign", left, warsaw_party.pk),
            {"signatory_name": "Somebody", "signed_on": "2025-01-10"},
        ),
        client.post(url("transition", left), {"to_status": AgreementStatus.NEGOTIATION}),
        client.patch(f"{API}/{left.pk}", {"title": "Ours again"}, content_type="application/json"),
        client.post(
            f"{API}/{left.pk}/parties",
            {"institution": institution.slug},
            content_type="application/json",
        ),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403, 403, 403]
    assert responses[-1]["Content-Type"] == "application/problem+json"
    assert agreement_row_counts() == before
    left.refresh_from_db()
    assert left.title == "KazNU-Warsaw memorandum"


def test_others_still_do_not_see_an_agreement_someone_left(client, outsider, left):
    client.force_login(outsider)

    assert client.get(url("detail", left)).status_code == 404
    assert client.get(f"{API}/{left.pk}").status_code == 404
    assert client.get(reverse("agreements:list"), {"scope": "all"}).context["page"].count == 0


def test_former_parties_are_named_to_the_other_parties_not_to_the_public(
    client, warsaw_officer, institution, left
):
    Agreement.objects.filter(pk=left.pk).update(status=AgreementStatus.ACTIVE, is_public=True)

    client.force_login(warsaw_officer)
    own = client.get(f"{API}/{left.pk}").json()
    client.logout()
    public = client.get(f"{API}/{left.pk}").json()
    public_row = client.get(f"{API}/").json()["results"][0]

    assert [f["institution"]["id"] for f in own["former_parties"]] == [institution.pk]
    assert (public["former_parties"], public_row["former_parties"]) == ([], [])


def test_the_list_runs_as_many_queries_with_former_parties_as_without(
    client, officer, institution, warsaw, count_queries
):
    client.force_login(officer)
    for n in range(3):
        AgreementFactory(title=f"Agreement {n}", parties=[institution, warsaw])
    with count_queries() as without:
        client.get(reverse("agreements:list"))

    for agreement in Agreement.objects.all():
        FormerParty.objects.create(
            agreement=agreement, institution=InstitutionFactory(), left_at=dt.datetime.now(dt.UTC)
        )
    with count_queries() as with_former:
        response = client.get(reverse("agreements:list"))

    assert response.context["page"].count == 3
    assert len(with_former.captured_queries) == len(without.captured_queries)
