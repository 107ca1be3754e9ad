"""An agreement's page: lifecycle, signatures, provisions, documents, renewal and amendment."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accord.agreements import services
from accord.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementStatus,
    Provision,
)
from tests.factories import (
    AgreementDocumentFactory,
    AgreementFactory,
    MembershipFactory,
    agreement_row_counts,
    pdf_bytes,
    sign_all_parties,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def agreement(institution, partner):
    return AgreementFactory(title="Memorandum KazNU ANAS", parties=[institution, partner])


def url(name, agreement, *args):
    return reverse(f"agreements:{name}", args=[agreement.pk, *args])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_detail_shows_the_agreement(officer_client, agreement):
    response = officer_client.get(url("detail", agreement))

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["nav"] == "agreements"
    assert "Memorandum KazNU ANAS" in content
    assert '<span class="badge status-draft">Draft</span>' in content
    assert "Azerbaijan National Academy of Sciences" in content
    assert "Start negotiation" in content


def test_a_transition_through_the_page_changes_the_status(officer_client, agreement):
    response = officer_client.post(
        url("transition", agreement), {"to_status": "negotiation"}, follow=True
    )

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.NEGOTIATION
    assert messages_of(response) == ["The agreement is now: Negotiation."]
    assert "changed the status" in response.content.decode()


def test_a_transition_that_is_not_allowed_changes_nothing(officer_client, agreement):
    before = agreement_row_counts()

    response = officer_client.post(
        url("transition", agreement), {"to_status": "active"}, follow=True
    )

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
    assert messages_of(response) == ["Nothing was changed. Status: Cannot go from Draft to Active."]
    assert agreement_row_counts() == before


def test_activation_without_signatures_is_refused_and_explained(
    officer_client, institution, partner
):
    agreement = AgreementFactory(status=AgreementStatus.SIGNING, parties=[institution, partner])
    before = agreement_row_counts()

    page = officer_client.get(url("detail", agreement)).content.decode()
    response = officer_client.post(
        url("transition", agreement), {"to_status": "active"}, follow=True
    )

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNING
    assert '<button type="button" disabled aria-describedby="activation-blockers">' in page
    assert f"{partner.name}: the signatory&#x27;s name is missing." in page
    [message] = messages_of(response)
    assert message.startswith("Nothing was changed. Status: ")
    assert f"{institution.name}: the signing date is missing." in message
    assert "No signed copy of the agreement is attached." in message
    assert agreement_row_counts() == before


def test_activation_once_signed_and_the_copy_attached(officer_client, institution, partner):
    agreement = AgreementFactory(status=AgreementStatus.SIGNING, parties=[institution, partner])
    sign_all_parties(agreement)
    AgreementDocumentFactory(agreement=agreement)

    page = officer_client.get(url("detail", agreement)).content.decode()
    officer_client.post(url("transition", agreement), {"to_status": "active"})

    agreement.refresh_from_db()
    assert 'name="to_status" value="active"' in page
    assert agreement.status == AgreementStatus.ACTIVE


def test_termination_needs_a_reason(officer_client, institution, partner):
    agreement = AgreementFactory(status=AgreementStatus.ACTIVE, parties=[institution, partner])

    refused = officer_client.post(
        url("transition", agreement), {"to_status": "terminated", "reason": " "}, follow=True
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert messages_of(refused) == [
        "Nothing was changed. Reason: Say why the agreement is terminated."
    ]

    officer_client.post(
        url("transition", agreement), {"to_status": "terminated", "reason": "Funding ended"}
    )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED
    assert agreement.termination_reason == "Funding ended"


def test_a_coordinator_may_edit_but_not_change_the_status(client, institution, agreement):
    coordinator = MembershipFactory(institution=institution, role="coordinator").user
    client.force_login(coordinator)

    page = client.get(url("detail", agreement)).content.decode()
    response = client.post(url("transition", agreement), {"to_status": "negotiation"})

    assert response.status_code == 403
    assert 'id="lifecycle"' not in page
    assert url("edit", agreement) in page
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


def test_recording_a_signature(officer_client, agreement, institution):
    party = agreement.parties.get(institution=institution)

    response = officer_client.post(
        url("party_sign", agreement, party.pk),
        {
            "signatory_name": "Galym Mutanov",
            "signatory_position": "Rector",
            "signed_on": "2025-02-20",
        },
        follow=True,
    )

    party.refresh_from_db()
    assert (party.signatory_name, party.signed_on) == ("Galym Mutanov", dt.date(2025, 2, 20))
    assert messages_of(response) == [f"The signature for {institution.name} was recorded."]
    assert "signed on 20 Feb 2025" in response.content.decode()


def test_the_page_says_when_anything_of_the_agreement_last_changed(officer_client, agreement):
    Agreement.objects.filter(pk=agreement.pk).update(
        updated_at=dt.datetime(2025, 3, 4, tzinfo=dt.UTC)
    )
    page = officer_client.get(url("detail", agreement)).content.decode()
    assert '<dt>Last changed</dt><dd><a href="#history">4 Mar 2025</a></dd>' in page

    party = agreement.parties.first()
    officer_client.post(
        url("party_sign", agreement, party.pk),
        {"signatory_name": "Galym Mutanov", "signed_on": "2025-02-20"},
    )

    page = officer_client.get(url("detail", agreement)).content.decode()
    today = timezone.localdate()
    assert f'<a href="#history">{today.day} {today:%b} {today.year}</a>' in page


def test_a_signature_with_a_bad_date_changes_nothing(officer_client, agreement, institution):
    party = agreement.parties.get(institution=institution)
    before = agreement_row_counts()

    response = officer_client.post(
        url("party_sign", agreement, party.pk),
        {"signatory_name": "Galym Mutanov", "signed_on": "2999-01-01"},
        follow=True,
    )

    party.refresh_from_db()
    assert party.signatory_name == ""
    assert messages_of(response) == [
        "Nothing was changed. Signed on: The date of signature cannot be in the future."
    ]
    assert agreement_row_counts() == before


def test_setting_a_coordinator(officer_client, officer, agreement, institution):
    party = agreement.parties.get(institution=institution)

    officer_client.post(url("party_coordinator", agreement, party.pk), {"coordinator": officer.pk})

    party.refresh_from_db()
    assert party.coordinator == officer


def test_adding_a_party_by_code_and_it_leaving(officer_client, agreement, client):
    from tests.factories import InstitutionFactory

    third = InstitutionFactory(name="University of Warsaw", schac_code="uw.edu.pl")

    added = officer_client.post(
        url("party_add", agreement), {"institution": "uw.edu.pl"}, follow=True
    )
    party = agreement.parties.get(institution=third)
    assert messages_of(added) == ["University of Warsaw was added as a party."]

    client.force_login(MembershipFactory(institution=third, role="officer").user)
    left = client.post(url("party_remove", agreement, party.pk), follow=True)
    assert messages_of(left) == ["University of Warsaw is no longer a party."]
    assert not agreement.parties.filter(institution=third).exists()


def test_adding_an_unknown_party_changes_nothing(officer_client, agreement):
    before = agreement_row_counts()

    response = officer_client.post(
        url("party_add", agreement), {"institution": "nowhere"}, follow=True
    )

    assert messages_of(response) == [
        "Nothing was changed. Institution: No institution has the SCHAC code or slug “nowhere”."
    ]
    assert agreement_row_counts() == before


def test_adding_a_provision(officer_client, agreement):
    response = officer_client.post(
        url("provision_add", agreement),
        {"kind": "joint_events", "description": "Anniversary conference", "events_per_year": "2"},
        follow=True,
    )

    provision = Provision.objects.get(agreement=agreement)
    assert provision.terms == {"description": "Anniversary conference", "events_per_year": 2}
    assert messages_of(response) == ["The provision was added."]
    assert "Anniversary conference, 2 per year" in response.content.decode()


def test_a_bad_provision_comes_back_with_its_errors(officer_client, agreement):
    before = agreement_row_counts()

    response = officer_client.post(
        url("provision_add", agreement),
        {"kind": "scholarship", "programme": "", "places_per_year": "0", "stipend_amount": "5"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "The provision was not added." in content
    assert set(response.context["form"].errors) == {"programme", "places_per_year", "currency"}
    assert "Give the currency of the stipend." in content
    assert agreement_row_counts() == before


def test_provision_fields_come_by_htmx_and_without_javascript(officer_client, agreement):
    fragment = officer_client.get(
        url("provision_form", agreement), {"kind": "mobility"}, HTTP_HX_REQUEST="true"
    )
    assert 'name="sending_institution"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()

    redirect = officer_client.get(url("provision_form", agreement), {"kind": "mobility"})
    assert redirect["Location"] == url("detail", agreement) + "?kind=mobility#provisions"

    page = officer_client.get(url("detail", agreement), {"kind": "mobility"})
    assert 'name="receiving_institution"' in page.content.decode()


def test_editing_and_removing_a_provision(officer_client, officer, agreement):
    provision = services.provision_add(
        actor=officer,
        agreement=agreement,
        kind="joint_research",
        terms={"topic": "Materials"},
    )

    form_page = officer_client.get(url("provision_edit", agreement, provision.pk))
    assert 'value="Materials"' in form_page.content.decode()

    officer_client.post(url("provision_edit", agreement, provision.pk), {"topic": "Catalysis"})
    provision.refresh_from_db()
    assert provision.terms["topic"] == "Catalysis"

    officer_client.post(url("provision_remove", agreement, provision.pk))
    assert not Provision.objects.filter(pk=provision.pk).exists()


def test_uploading_a_pdf_makes_a_version(officer_client, agreement):
    upload = SimpleUploadedFile("memorandum.pdf", pdf_bytes(), content_type="application/pdf")

    response = officer_client.post(
        url("document_upload", agreement), {"kind": "draft", "file": upload}, follow=True
    )

    document = AgreementDocument.objects.get()
    assert (document.kind, document.version) == ("draft", 1)
    assert messages_of(response) == ["memorandum.pdf was uploaded as version 1."]
    assert url("document_download", agreement, document.pk) in response.content.decode()


def test_an_executable_renamed_pdf_is_refused(officer_client, agreement):
    program = SimpleUploadedFile(
        "contract.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,
        content_type="application/pdf",
    )
    before = agreement_row_counts()

    response = officer_client.post(
        url("document_upload", agreement), {"kind": "signed", "file": program}, follow=True
    )

    [message] = messages_of(response)
    assert message.startswith("Nothing was changed. File: Only PDF, Word (DOCX) and OpenDocument")
    assert AgreementDocument.objects.count() == 0
    assert agreement_row_counts() == before


def test_a_document_downloads_as_an_attachment(officer_client, agreement):
    document = AgreementDocumentFactory(agreement=agreement, original_name="signed copy.pdf")

    response = officer_client.get(url("document_download", agreement, document.pk))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="signed copy.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes()


def test_a_document_gone_from_storage_answers_404_and_is_logged(officer_client, agreement, caplog):
    document = AgreementDocumentFactory(agreement=agreement)
    document.file.storage.delete(document.file.name)

    response = officer_client.get(url("document_download", agreement, document.pk))

    assert response.status_code == 404
    assert "missing from storage" in caplog.text


def test_a_document_of_another_agreement_is_not_found(officer_client, agreement, institution):
    other = AgreementFactory(parties=[institution])
    document = AgreementDocumentFactory(agreement=other)

    response = officer_client.get(url("document_download", agreement, document.pk))

    assert response.status_code == 404


def test_renewal_makes_a_linked_draft(officer_client, institution, partner):
    agreement = AgreementFactory(
        title="Memorandum", status=AgreementStatus.ACTIVE, parties=[institution, partner]
    )

    response = officer_client.post(
        url("renew", agreement), {"valid_from": "2030-01-01", "valid_to": "2034-12-31"}, follow=True
    )

    renewal = Agreement.objects.get(renews=agreement)
    assert response.redirect_chain[-1][0] == url("detail", renewal)
    content = response.content.decode()
    assert "This is a renewal of" in content
    assert url("detail", agreement) in content
    original = officer_client.get(url("detail", agreement)).content.decode()
    assert "Renewed by" in original
    assert url("detail", renewal) in original


def test_renewal_with_an_end_before_its_start_changes_nothing(officer_client, institution, partner):
    agreement = AgreementFactory(status=AgreementStatus.ACTIVE, parties=[institution, partner])
    before = agreement_row_counts()

    response = officer_client.post(
        url("renew", agreement), {"valid_from": "2030-01-01", "valid_to": "2029-01-01"}, follow=True
    )

    [message] = messages_of(response)
    assert "cannot end before it starts" in message
    assert agreement_row_counts() == before


def test_amendment_makes_a_linked_draft(officer_client, institution, partner):
    agreement = AgreementFactory(status=AgreementStatus.ACTIVE, parties=[institution, partner])

    response = officer_client.post(
        url("amend", agreement), {"title": "Amendment no. 1: scholarships"}, follow=True
    )

    amendment = Agreement.objects.get(amends=agreement)
    assert amendment.kind == AgreementKind.AMENDMENT
    assert "This amends" in response.content.decode()


def test_the_timeline_says_who_did_what_in_words(officer_client, officer, agreement, partner):
    party = agreement.parties.get(institution=partner)
    partner_officer = MembershipFactory(institution=partner, role="officer").user
    services.party_sign(
        actor=partner_officer,
        party=party,
        signatory_name="Isa Habibbayli",
        signed_on=dt.date(2025, 2, 20),
    )
    services.agreement_transition(actor=officer, agreement=agreement, to_status="negotiation")

    content = officer_client.get(url("detail", agreement)).content.decode()

    assert f"<strong>{officer}</strong> changed the status" in content
    assert "<del>Draft</del>" in content
    assert "<ins>Negotiation</ins>" in content
    assert f"recorded a signature: <em>{partner.name}</em>" in content
    assert "<ins>20 Feb 2025</ins>" in content


def test_the_timeline_reads_provision_terms_in_words(
    officer_client, officer, agreement, institution, partner
):
    terms = {
        "sending_institution": institution.pk,
        "receiving_institution": partner.pk,
        "mobility_type": "staff_teaching",
        "places_per_year": 2,
        "total_days": 10,
        "academic_year_from": "2025/2026",
        "academic_year_to": "2026/2027",
    }
    provision = services.provision_add(
        actor=officer, agreement=agreement, kind="mobility", terms=terms
    )
    services.provision_update(
        actor=officer,
        provision=provision,
        terms={**terms, "places_per_year": 3, "mobility_type": "staff_training"},
    )

    content = officer_client.get(url("detail", agreement)).content.decode()

    assert f"staff mobility for teaching, {institution.name} -&gt; {partner.name}" in content
    assert "Places per year</span>: <del>2</del>" in content
    assert "<ins>3</ins>" in content
    assert "<del>Staff mobility for teaching</del>" in content
    assert "<ins>Staff mobility for training</ins>" in content
