"""Creating and editing agreements, and their parties."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.agreements import services
from accord.agreements.models import Agreement, AgreementKind, AgreementParty, AgreementStatus
from accord.core.audit import audit_events_for
from tests.factories import (
    AgreementFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
    agreement_row_counts,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db


def create(actor, institutions, **fields):
    values = {"kind": AgreementKind.MOU, "title": "Memorandum of cooperation", **fields}
    return services.agreement_create(actor=actor, institutions=institutions, **values)


def test_officer_creates_a_draft_between_two_institutions(officer, institution, partner):
    agreement = create(
        officer,
        [institution, partner],
        titles={"ru": "Меморандум о сотрудничестве"},
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2029, 12, 31),
        languages=["en", "RU", "en"],
        tags=["science", " science ", "culture"],
    )

    assert agreement.status == AgreementStatus.DRAFT
    assert agreement.created_by == officer
    assert [p.institution for p in agreement.parties.order_by("id")] == [institution, partner]
    assert agreement.languages == ["en", "ru"]
    assert agreement.tags == ["science", "culture"]
    assert agreement.search_text == "memorandum of cooperation меморандум о сотрудничестве"
    events = list(audit_events_for(agreement))
    assert [e.action for e in events] == ["agreement.created"]
    assert events[0].actor == officer
    assert events[0].changes["parties"] == [institution.name, partner.name]


def test_three_institutions_make_a_multilateral_agreement(officer, institution, partner):
    third = InstitutionFactory()
    agreement = create(officer, [institution, partner, third])
    assert agreement.parties.count() == 3


@pytest.mark.parametrize("how_many", [0, 1])
def test_fewer_than_two_institutions_is_refused(officer, institution, how_many):
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        create(officer, [institution][:how_many])
    assert error.value.message_dict == {
        "institutions": ["An agreement needs at least two different institutions."]
    }
    assert agreement_row_counts() == before


def test_an_institution_named_twice_is_refused(officer, institution, partner):
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        create(officer, [institution, partner, institution])
    assert error.value.message_dict["institutions"] == [
        f"{institution.name} is named more than once; each party appears once."
    ]
    assert agreement_row_counts() == before


def test_an_end_before_the_start_is_refused(officer, institution, partner):
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        create(
            officer,
            [institution, partner],
            valid_from=dt.date(2026, 1, 1),
            valid_to=dt.date(2025, 12, 31),
        )
    assert error.value.message_dict == {
        "valid_to": ["The agreement cannot end before it starts (1 Jan 2026)."]
    }
    assert agreement_row_counts() == before


def test_a_blank_title_and_an_unknown_kind_are_named(officer, institution, partner):
    with pytest.raises(ValidationError) as error:
        create(officer, [institution, partner], title="  ", kind="treaty")
    assert error.value.message_dict == {
        "kind": ["Unknown kind of agreement: treaty."],
        "title": ["Give the agreement a title."],
    }


def test_an_unknown_language_code_is_refused(officer, institution, partner):
    with pytest.raises(ValidationError) as error:
        create(officer, [institution, partner], languages=["english"])
    assert error.value.message_dict == {
        "languages": ["english is not an ISO 639-1 language code (such as en, ru)."]
    }


def test_an_amendment_must_say_what_it_amends(officer, institution, partner):
    with pytest.raises(ValidationError) as error:
        create(officer, [institution, partner], kind=AgreementKind.AMENDMENT)
    assert error.value.message_dict == {"amends": ["Say which agreement this amendment amends."]}


def test_someone_not_officer_of_a_party_may_not_create(outsider, institution, partner):
    before = agreement_row_counts()
    with pytest.raises(PermissionDenied):
        create(outsider, [institution, partner])
    assert agreement_row_counts() == before


def test_a_researcher_of_a_party_may_not_create(institution, partner):
    researcher = MembershipFactory(institution=institution, role="researcher").user
    with pytest.raises(PermissionDenied):
        create(researcher, [institution, partner])


def test_platform_staff_may_create_for_any_institutions(staff_user, institution, partner):
    assert create(staff_user, [institution, partner]).parties.count() == 2


# Updates -------------------------------------------------------------------------------------


def test_update_records_the_changed_fields(officer, institution, partner):
    agreement = create(officer, [institution, partner])
    services.agreement_update(
        actor=officer,
        agreement=agreement,
        title="Memorandum on science",
        titles={"az": "Elm haqqında memorandum"},
        valid_from=dt.date(2025, 3, 1),
        is_public=False,
    )

    agreement.refresh_from_db()
    assert agreement.title == "Memorandum on science"
    assert "elm haqqında memorandum" in agreement.search_text
    event = audit_events_for(agreement).first()
    assert event.action == "agreement.updated"
    assert event.changes == {
        "title": ["Memorandum of cooperation", "Memorandum on science"],
        "titles": [{}, {"az": "Elm haqqında memorandum"}],
        "valid_from": [None, "2025-03-01"],
    }


def test_an_update_changing_nothing_records_nothing(officer, institution, partner):
    agreement = create(officer, [institution, partner])
    before = agreement_row_counts()
    services.agreement_update(actor=officer, agreement=agreement, title=agreement.title)
    assert agreement_row_counts() == before


def test_an_update_ending_before_the_start_is_refused(officer, institution, partner):
    agreement = create(officer, [institution, partner], valid_from=dt.date(2025, 1, 1))
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        services.agreement_update(actor=officer, agreement=agreement, valid_to=dt.date(2024, 1, 1))
    assert list(error.value.message_dict) == ["valid_to"]
    agreement.refresh_from_db()
    assert agreement.valid_to is None
    assert agreement_row_counts() == before


def test_a_signed_agreement_changes_only_publicity_tags_description_and_renewal(
    officer, institution, partner
):
    agreement = AgreementFactory(parties=[institution, partner], status=AgreementStatus.ACTIVE)
    services.agreement_update(
        actor=officer, agreement=agreement, is_public=True, tags=["culture"], auto_renew=True
    )
    before = agreement_row_counts()

    with pytest.raises(ValidationError) as error:
        services.agreement_update(
            actor=officer, agreement=agreement, title="Another", valid_to=dt.date(2035, 1, 1)
        )

    message = "A signed agreement (Active) cannot change this; record an amendment."
    assert error.value.message_dict == {"title": [message], "valid_to": [message]}
    agreement.refresh_from_db()
    assert (agreement.is_public, agreement.tags, agreement.auto_renew) == (True, ["culture"], True)
    assert agreement.title.startswith("Memorandum")
    assert agreement_row_counts() == before


def test_unknown_fields_cannot_be_updated(officer, institution, partner):
    agreement = create(officer, [institution, partner])
    with pytest.raises(ValidationError) as error:
        services.agreement_update(actor=officer, agreement=agreement, status="active")
    assert error.value.message_dict == {"status": ["This field cannot be changed here."]}


def test_outsider_may_not_update(officer, outsider, institution, partner):
    agreement = create(officer, [institution, partner])
    with pytest.raises(PermissionDenied):
        services.agreement_update(actor=outsider, agreement=agreement, title="Mine")
    agreement.refresh_from_db()
    assert agreement.title == "Memorandum of cooperation"


def test_a_coordinator_of_a_party_co_edits(officer, institution, partner):
    agreement = create(officer, [institution, partner])
    coordinator = MembershipFactory(institution=partner, role="coordinator").user
    services.agreement_update(actor=coordinator, agreement=agreement, description="Co-edited")
    agreement.refresh_from_db()
    assert agreement.description == "Co-edited"


# Parties -------------------------------------------------------------------------------------


def test_a_party_is_added_and_leaves_before_signing(officer, institution, partner):
    agreement = create(officer, [institution, partner])
    third = InstitutionFactory(name="University of Warsaw", country="PL")
    third_officer = MembershipFactory(institution=third, role="officer").user

    party = services.party_add(actor=officer, agreement=agreement, institution=third)
    assert agreement.parties.count() == 3
    services.party_remove(actor=third_officer, party=party)

    assert agreement.parties.count() == 2
    assert list(agreement.former_parties.values_list("institution", flat=True)) == [third.pk]
    assert [e.action for e in audit_events_for(agreement)][:2] == [
        "agreement.party_removed",
        "agreement.party_added",
    ]


def test_an_institution_is_a_party_once(officer, institution, partner):
    agreement = create(officer, [institution, partner])
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        services.party_add(actor=officer, agreement=agreement, institution=partner)
    assert error.value.message_dict == {"institution": [f"{partner.name} is already a party."]}
    assert agreement_row_counts() == before


def test_an_agreement_never_drops_below_two_parties(officer, institution, partner):
    agreement = create(officer, [institution, partner])
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        services.party_remove(actor=officer, party=agreement.parties.first())
    assert error.value.message_dict == {
        "institution": ["An agreement needs at least two parties; add one first."]
    }
    assert agreement_row_counts() == before


def test_parties_do_not_change_once_signing_starts(officer, institution, partner):
    agreement = AgreementFactory(
        parties=[institution, partner, InstitutionFactory()], status=AgreementStatus.SIGNING
    )
    before = agreement_row_counts()
    with pytest.raises(ValidationError):
        services.party_add(actor=officer, agreement=agreement, institution=InstitutionFactory())
    with pytest.raises(ValidationError):
        services.party_remove(actor=officer, party=agreement.parties.get(institution=institution))
    assert agreement_row_counts() == before
    assert AgreementParty.objects.filter(agreement=agreement).count() == 3


def test_a_signature_is_recorded_with_an_audit_event_on_the_agreement(
    officer, institution, partner
):
    agreement = create(officer, [institution, partner])
    party = agreement.parties.get(institution=institution)

    services.party_sign(
        actor=officer,
        party=party,
        signatory_name="Galym Mutanov",
        signatory_position="Rector",
        signed_on=dt.date(2025, 1, 15),
    )

    party.refresh_from_db()
    assert party.has_signed
    event = audit_events_for(agreement).first()
    assert event.action == "agreement.party_signed"
    assert event.changes["institution"] == institution.name
    assert event.changes["signed_on"] == [None, "2025-01-15"]


def test_a_signature_dated_in_the_future_is_refused(officer, institution, partner):
    agreement = create(officer, [institution, partner])
    party = agreement.parties.first()
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        services.party_sign(
            actor=officer,
            party=party,
            signatory_name="Rector",
            signed_on=dt.date.today() + dt.timedelta(days=2),
        )
    assert error.value.message_dict == {
        "signed_on": ["The date of signature cannot be in the future."]
    }
    party.refresh_from_db()
    assert party.signed_on is None
    assert agreement_row_counts() == before


def test_a_signature_needs_the_signatory_name(officer, institution, partner):
    agreement = create(officer, [institution, partner])
    with pytest.raises(ValidationError) as error:
        services.party_sign(
            actor=officer, party=agreement.parties.first(), signatory_name=" ", signed_on=None
        )
    assert set(error.value.message_dict) == {"signatory_name", "signed_on"}


def test_the_coordinator_must_be_a_member_of_the_party(officer, institution, partner):
    agreement = create(officer, [institution, partner])
    party = agreement.parties.get(institution=partner)
    partner_officer = MembershipFactory(institution=partner, role="officer").user
    stranger = UserFactory(username="stranger")
    before = agreement_row_counts()

    with pytest.raises(ValidationError) as error:
        services.party_set_coordinator(actor=partner_officer, party=party, coordinator=stranger)

    assert error.value.message_dict == {
        "coordinator": [f"{stranger} is not a member of {partner.name}."]
    }
    assert agreement_row_counts() == before

    member = MembershipFactory(institution=partner, role="coordinator").user
    services.party_set_coordinator(actor=partner_officer, party=party, coordinator=member)
    party.refresh_from_db()
    assert party.coordinator == member
    assert audit_events_for(agreement).first().action == "agreement.coordinator_set"


def test_every_problem_with_a_new_agreement_is_reported_at_once(officer, institution):
    before = agreement_row_counts()

    with pytest.raises(ValidationError) as caught:
        services.agreement_create(
            actor=officer,
            kind="mou",
            title="Only us",
            institutions=[institution],
            valid_from=dt.date(2027, 1, 1),
            valid_to=dt.date(2026, 1, 1),
        )

    assert set(caught.value.message_dict) == {"institutions", "valid_to"}
    assert agreement_row_counts() == before


def _changes_to_what_belongs_to_an_agreement(officer, agreement, third):
    """Each change to an agreement's parties, provisions or documents, as (name, act)."""
    party = agreement.parties.order_by("id").first()
    third_officer = MembershipFactory(institution=third, role="officer").user

    def add_provision():
        return services.provision_add(
            actor=officer,
            agreement=agreement,
            kind="joint_events",
            terms={"description": "Anniversary conference", "events_per_year": "1"},
        )

    return [
        (
            "party added",
            lambda: services.party_add(actor=officer, agreement=agreement, institution=third),
        ),
        (
            "party removed",
            lambda: services.party_remove(
                actor=third_officer, party=agreement.parties.get(institution=third)
            ),
        ),
        (
            "signature",
            lambda: services.party_sign(
                actor=officer,
                party=party,
                signatory_name="Galym Mutanov",
                signed_on=dt.date(2025, 1, 1),
            ),
        ),
        (
            "coordinator",
            lambda: services.party_set_coordinator(actor=officer, party=party, coordinator=officer),
        ),
        ("provision added", add_provision),
        (
            "provision changed",
            lambda: services.provision_update(
                actor=officer,
                provision=agreement.provisions.get(),
                terms={"description": "Anniversary conference", "events_per_year": "2"},
            ),
        ),
        (
            "provision removed",
            lambda: services.provision_remove(actor=officer, provision=agreement.provisions.get()),
        ),
        (
            "document",
            lambda: services.document_upload(
                actor=officer,
                agreement=agreement,
                kind="draft",
                file=SimpleUploadedFile("draft.pdf", pdf_bytes(), content_type="application/pdf"),
            ),
        ),
    ]


def test_a_change_to_parties_provisions_or_documents_marks_the_agreement_changed(
    officer, institution, partner
):
    agreement = AgreementFactory(parties=[institution, partner])
    third = InstitutionFactory()
    for name, act in _changes_to_what_belongs_to_an_agreement(officer, agreement, third):
        before = Agreement.objects.get(pk=agreement.pk).updated_at
        act()
        assert Agreement.objects.get(pk=agreement.pk).updated_at > before, name


def test_a_refused_change_leaves_the_agreement_unchanged(officer, institution, partner):
    agreement = AgreementFactory(parties=[institution, partner])
    before = Agreement.objects.get(pk=agreement.pk).updated_at
    with pytest.raises(ValidationError):
        services.party_add(actor=officer, agreement=agreement, institution=partner)
    assert Agreement.objects.get(pk=agreement.pk).updated_at == before
