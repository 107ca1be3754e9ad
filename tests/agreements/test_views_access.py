"""Nobody sees what is not theirs, and nothing a user typed runs in a browser."""

import datetime as dt

import pytest
from django.urls import reverse

from accord.agreements import services
from accord.agreements.models import AgreementStatus
from tests.factories import (
    AgreementDocumentFactory,
    AgreementFactory,
    InstitutionFactory,
    MembershipFactory,
    agreement_row_counts,
)

pytestmark = pytest.mark.django_db


def url(name, agreement, *args):
    return reverse(f"agreements:{name}", args=[agreement.pk, *args])


@pytest.fixture
def private(institution, partner):
    agreement = AgreementFactory(title="Confidential memorandum", parties=[institution, partner])
    AgreementDocumentFactory(agreement=agreement)
    return agreement


@pytest.mark.parametrize(
    "name",
    ["detail", "edit", "provision_form"],
)
def test_another_institutions_officer_gets_404_on_pages(client, outsider, private, name):
    client.force_login(outsider)
    assert client.get(url(name, private)).status_code == 404


def test_another_institutions_officer_cannot_download(client, outsider, private):
    document = private.documents.get()
    client.force_login(outsider)

    response = client.get(url("document_download", private, document.pk))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("edit", {"kind": "mou", "title": "Taken over"}),
        ("transition", {"to_status": "negotiation"}),
        ("renew", {"valid_from": "2030-01-01", "valid_to": "2031-01-01"}),
        ("amend", {"title": "Amendment"}),
        ("party_add", {"institution": "uni.example.edu"}),
        ("provision_add", {"kind": "joint_research", "topic": "Spying"}),
        ("document_upload", {"kind": "draft"}),
    ],
)
def test_another_institutions_officer_gets_404_on_every_change(
    client, outsider, private, name, data
):
    client.force_login(outsider)
    before = agreement_row_counts()

    response = client.post(url(name, private), data)

    assert response.status_code == 404
    assert agreement_row_counts() == before


def test_another_institutions_officer_cannot_sign_for_a_party(client, outsider, private, partner):
    party = private.parties.get(institution=partner)
    client.force_login(outsider)

    response = client.post(
        url("party_sign", private, party.pk), {"signatory_name": "X", "signed_on": "2025-01-01"}
    )

    assert response.status_code == 404
    party.refresh_from_db()
    assert party.signatory_name == ""


def test_a_researcher_of_a_party_does_not_see_a_private_agreement(client, institution, private):
    researcher = MembershipFactory(institution=institution, role="researcher").user
    client.force_login(researcher)

    assert client.get(url("detail", private)).status_code == 404
    assert client.get(reverse("agreements:list")).context["page"].object_list == []


def test_a_public_active_agreement_is_readable_but_not_changeable(
    client, outsider, institution, partner
):
    agreement = AgreementFactory(
        title="Public memorandum",
        status=AgreementStatus.ACTIVE,
        is_public=True,
        parties=[institution, partner],
    )
    document = AgreementDocumentFactory(agreement=agreement)
    client.force_login(outsider)

    page = client.get(url("detail", agreement))
    content = page.content.decode()

    assert page.status_code == 200
    assert "Public memorandum" in content
    assert 'id="documents"' not in content
    assert 'id="history"' not in content
    assert url("edit", agreement) not in content
    assert client.get(url("edit", agreement)).status_code == 403
    assert client.post(url("transition", agreement), {"to_status": "expired"}).status_code == 403
    assert client.get(url("document_download", agreement, document.pk)).status_code == 404


def test_the_export_leaves_out_another_institutions_private_agreement(client, outsider, private):
    own = AgreementFactory(title="Outsider's own", parties=[outsider.memberships.get().institution])
    client.force_login(outsider)

    response = client.get(reverse("agreements:export_csv"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")

    assert own.title in body
    assert "Confidential memorandum" not in body


SCRIPT = "<script>alert('x')</script>"


def test_typed_markup_is_escaped_on_list_and_detail(client, officer, institution, partner):
    agreement = services.agreement_create(
        actor=officer,
        kind="mou",
        title=f"Title {SCRIPT}",
        titles={"ru": f"Русский {SCRIPT}"},
        description=f"Description <img src=x onerror=alert(1)> {SCRIPT}",
        institutions=[institution, partner],
        tags=[f"tag {SCRIPT}"],
        valid_from=dt.date(2025, 1, 1),
    )
    party = agreement.parties.get(institution=institution)
    services.party_sign(
        actor=officer,
        party=party,
        signatory_name=f"Signatory {SCRIPT}",
        signed_on=dt.date(2025, 1, 2),
    )
    services.provision_add(
        actor=officer,
        agreement=agreement,
        kind="joint_events",
        terms={"description": f"Events {SCRIPT}"},
    )
    services.agreement_update(actor=officer, agreement=agreement, title=f"New {SCRIPT}")
    client.force_login(officer)

    pages = [
        client.get(reverse("agreements:list")).content.decode(),
        client.get(url("detail", agreement)).content.decode(),
        client.get(url("edit", agreement)).content.decode(),
    ]

    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    for content in pages:
        assert "<script>alert" not in content
        assert "<img src=x" not in content
    assert f"New {escaped}" in pages[0]
    detail = pages[1]
    for text in ("Русский", "tag", "Signatory", "Events", "New"):
        assert f"{text} {escaped}" in detail
    assert f"Description &lt;img src=x onerror=alert(1)&gt; {escaped}" in detail


def test_a_public_agreements_coordinators_are_not_named_to_other_institutions(client, outsider):
    coordinator = MembershipFactory(role="coordinator").user
    coordinator.first_name, coordinator.last_name = "Katarzyna", "Nowak"
    coordinator.save()
    agreement = AgreementFactory(
        status=AgreementStatus.ACTIVE,
        is_public=True,
        parties=[coordinator.memberships.get().institution, InstitutionFactory()],
    )
    agreement.parties.filter(institution__memberships__user=coordinator).update(
        coordinator=coordinator
    )
    client.force_login(outsider)

    page = client.get(f"/agreements/{agreement.pk}/").content.decode()

    assert "Nowak" not in page
