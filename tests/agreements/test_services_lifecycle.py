"""An agreement's lifecycle: transitions, activation, renewal, amendment and expiry."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accord.agreements import services
from accord.agreements.models import AgreementKind, AgreementStatus
from accord.agreements.selectors import agreement_timeline
from accord.core.audit import audit_events_for
from tests.factories import (
    AgreementDocumentFactory,
    AgreementFactory,
    MembershipFactory,
    ProvisionFactory,
    agreement_row_counts,
    sign_all_parties,
)

pytestmark = pytest.mark.django_db
S = AgreementStatus


@pytest.fixture
def agreement(institution, partner):
    return AgreementFactory(parties=[institution, partner])


def ready_to_activate(agreement):
    agreement.status = S.SIGNING
    agreement.save()
    sign_all_parties(agreement)
    AgreementDocumentFactory(agreement=agreement)
    return agreement


def test_allowed_transitions_follow_the_lifecycle(agreement):
    expected = {
        S.DRAFT: ["negotiation"],
        S.NEGOTIATION: ["draft", "signing"],
        S.SIGNING: ["negotiation", "active"],
        S.ACTIVE: ["expired", "terminated"],
        S.EXPIRED: [],
        S.TERMINATED: [],
    }
    for status, allowed in expected.items():
        agreement.status = status
        assert services.agreement_allowed_transitions(agreement) == allowed


def test_a_draft_goes_to_negotiation_and_signing_with_audit_events(officer, agreement):
    services.agreement_transition(actor=officer, agreement=agreement, to_status=S.NEGOTIATION)
    services.agreement_transition(actor=officer, agreement=agreement, to_status=S.SIGNING)

    agreement.refresh_from_db()
    assert agreement.status == S.SIGNING
    events = list(audit_events_for(agreement))
    assert [e.changes["status"] for e in events] == [
        ["negotiation", "signing"],
        ["draft", "negotiation"],
    ]
    assert {e.action for e in events} == {"agreement.status_changed"}


def test_a_transition_the_status_does_not_allow_is_refused(officer, agreement):
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        services.agreement_transition(actor=officer, agreement=agreement, to_status=S.ACTIVE)
    assert error.value.message_dict == {"status": ["Cannot go from Draft to Active."]}
    agreement.refresh_from_db()
    assert agreement.status == S.DRAFT
    assert agreement_row_counts() == before


def test_expired_is_final(officer, agreement):
    agreement.status = S.EXPIRED
    agreement.save()
    with pytest.raises(ValidationError) as error:
        services.agreement_transition(actor=officer, agreement=agreement, to_status=S.ACTIVE)
    assert error.value.message_dict == {"status": ["Cannot go from Expired to Active."]}


def test_activation_without_signatures_is_refused_naming_each_gap(
    officer, agreement, institution, partner
):
    agreement.status = S.SIGNING
    agreement.save()
    AgreementDocumentFactory(agreement=agreement)
    before = agreement_row_counts()

    with pytest.raises(ValidationError) as error:
        services.agreement_transition(actor=officer, agreement=agreement, to_status=S.ACTIVE)

    assert error.value.message_dict == {
        "status": [
            f"{institution.name}: the signatory's name is missing.",
            f"{institution.name}: the signing date is missing.",
            f"{partner.name}: the signatory's name is missing.",
            f"{partner.name}: the signing date is missing.",
        ]
    }
    agreement.refresh_from_db()
    assert agreement.status == S.SIGNING
    assert agreement_row_counts() == before


def test_activation_without_a_signed_document_is_refused(officer, agreement):
    agreement.status = S.SIGNING
    agreement.save()
    sign_all_parties(agreement)
    AgreementDocumentFactory(agreement=agreement, kind="draft")
    before = agreement_row_counts()

    with pytest.raises(ValidationError) as error:
        services.agreement_transition(actor=officer, agreement=agreement, to_status=S.ACTIVE)

    assert error.value.message_dict == {"status": ["No signed copy of the agreement is attached."]}
    agreement.refresh_from_db()
    assert agreement.status == S.SIGNING
    assert agreement_row_counts() == before


def test_activation_needs_the_start_date(officer, agreement):
    ready_to_activate(agreement)
    agreement.valid_from = None
    agreement.save()
    assert services.activation_blockers(agreement) == [
        "The date the agreement takes effect (valid from) is missing."
    ]


def test_a_signed_agreement_with_its_copy_becomes_active(officer, agreement):
    ready_to_activate(agreement)
    assert services.activation_blockers(agreement) == []

    result = services.agreement_transition(actor=officer, agreement=agreement, to_status=S.ACTIVE)

    assert result.status == S.ACTIVE
    assert agreement.status == S.ACTIVE
    agreement.refresh_from_db()
    assert agreement.status == S.ACTIVE


def test_termination_needs_a_reason(officer, agreement):
    agreement.status = S.ACTIVE
    agreement.save()
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        services.agreement_transition(
            actor=officer, agreement=agreement, to_status=S.TERMINATED, reason="  "
        )
    assert error.value.message_dict == {"reason": ["Say why the agreement is terminated."]}
    assert agreement_row_counts() == before

    services.agreement_transition(
        actor=officer, agreement=agreement, to_status=S.TERMINATED, reason="Partner closed."
    )
    agreement.refresh_from_db()
    assert (agreement.status, agreement.termination_reason) == (S.TERMINATED, "Partner closed.")
    assert audit_events_for(agreement).first().changes == {
        "status": ["active", "terminated"],
        "reason": "Partner closed.",
    }


def test_a_coordinator_co_edits_but_does_not_drive_the_lifecycle(agreement, partner):
    coordinator = MembershipFactory(institution=partner, role="coordinator").user
    with pytest.raises(PermissionDenied):
        services.agreement_transition(
            actor=coordinator, agreement=agreement, to_status=S.NEGOTIATION
        )
    agreement.refresh_from_db()
    assert agreement.status == S.DRAFT


def test_an_outsider_may_not_transition(outsider, agreement):
    before = agreement_row_counts()
    with pytest.raises(PermissionDenied):
        services.agreement_transition(actor=outsider, agreement=agreement, to_status=S.NEGOTIATION)
    assert agreement_row_counts() == before


# Renewal and amendment ----------------------------------------------------------------------


def test_renewal_is_a_new_draft_with_the_same_parties_and_provisions(officer, agreement, partner):
    agreement.status = S.ACTIVE
    agreement.titles = {"ru": "Меморандум"}
    agreement.save()
    coordinator = MembershipFactory(institution=partner, role="coordinator").user
    agreement.parties.filter(institution=partner).update(coordinator=coordinator)
    ProvisionFactory(agreement=agreement)

    renewal = services.agreement_renew(
        actor=officer,
        agreement=agreement,
        valid_from=dt.date(2030, 1, 1),
        valid_to=dt.date(2034, 12, 31),
    )

    agreement.refresh_from_db()
    assert agreement.status == S.ACTIVE
    assert renewal.status == S.DRAFT
    assert renewal.renews == agreement
    assert list(agreement.renewals.all()) == [renewal]
    assert (renewal.kind, renewal.title, renewal.titles) == (
        agreement.kind,
        agreement.title,
        {"ru": "Меморандум"},
    )
    assert [p.institution_id for p in renewal.parties.order_by("id")] == [
        p.institution_id for p in agreement.parties.order_by("id")
    ]
    assert renewal.parties.get(institution=partner).coordinator == coordinator
    assert [(p.kind, p.terms) for p in renewal.provisions.all()] == [
        (p.kind, p.terms) for p in agreement.provisions.all()
    ]
    assert agreement_timeline(agreement)[0].action == "agreement.renewed"
    assert agreement_timeline(agreement)[0].changes["renewal"] == renewal.pk
    assert agreement_timeline(renewal)[0].changes["renews"] == agreement.pk


def test_a_draft_is_not_renewed_and_nothing_is_created(officer, agreement):
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        services.agreement_renew(
            actor=officer,
            agreement=agreement,
            valid_from=dt.date(2030, 1, 1),
            valid_to=dt.date(2034, 12, 31),
        )
    assert error.value.message_dict == {
        "status": ["Only an active or expired agreement can be renewed."]
    }
    assert agreement_row_counts() == before


def test_a_renewal_period_ending_before_it_starts_is_refused(officer, agreement):
    agreement.status = S.ACTIVE
    agreement.save()
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        services.agreement_renew(
            actor=officer,
            agreement=agreement,
            valid_from=dt.date(2030, 1, 1),
            valid_to=dt.date(2029, 1, 1),
        )
    assert list(error.value.message_dict) == ["valid_to"]
    assert agreement_row_counts() == before


def test_an_agreement_is_renewed_once_at_a_time(officer, agreement):
    agreement.status = S.ACTIVE
    agreement.save()
    period = {"valid_from": dt.date(2030, 1, 1), "valid_to": dt.date(2034, 12, 31)}
    services.agreement_renew(actor=officer, agreement=agreement, **period)
    with pytest.raises(ValidationError) as error:
        services.agreement_renew(actor=officer, agreement=agreement, **period)
    assert list(error.value.message_dict) == ["renews"]


def test_an_amendment_is_a_new_draft_pointing_at_the_agreement(officer, agreement):
    agreement.status = S.ACTIVE
    agreement.save()

    amendment = services.agreement_amend(
        actor=officer, agreement=agreement, title="Amendment No. 1", description="More places"
    )

    assert (amendment.kind, amendment.status, amendment.amends) == (
        AgreementKind.AMENDMENT,
        S.DRAFT,
        agreement,
    )
    assert amendment.parties.count() == 2
    assert list(agreement.amendments.all()) == [amendment]
    assert agreement_timeline(agreement)[0].action == "agreement.amended"


def test_an_amendment_keeps_its_kind(officer, agreement):
    agreement.status = S.ACTIVE
    agreement.save()
    amendment = services.agreement_amend(actor=officer, agreement=agreement, title="Amendment")
    with pytest.raises(ValidationError):
        services.agreement_update(actor=officer, agreement=amendment, kind=AgreementKind.MOU)


# Expiry ---------------------------------------------------------------------------------------


def test_active_agreements_past_their_end_expire(agreement, institution, partner):
    agreement.status = S.ACTIVE
    agreement.valid_to = dt.date(2026, 3, 31)
    agreement.save()
    ends_today = AgreementFactory(
        parties=[institution, partner], status=S.ACTIVE, valid_to=dt.date(2026, 4, 1)
    )
    draft = AgreementFactory(
        parties=[institution, partner], valid_from=dt.date(2019, 1, 1), valid_to=dt.date(2020, 1, 1)
    )

    expired = services.agreements_expire_due(today=dt.date(2026, 4, 1))

    assert expired == [agreement.pk]
    agreement.refresh_from_db()
    ends_today.refresh_from_db()
    draft.refresh_from_db()
    assert (agreement.status, ends_today.status, draft.status) == (S.EXPIRED, S.ACTIVE, S.DRAFT)
    event = audit_events_for(agreement).first()
    assert (event.action, event.actor) == ("agreement.expired", None)
    assert services.agreements_expire_due(today=dt.date(2026, 4, 1)) == []


def test_an_agreement_that_renews_automatically_gets_another_period(agreement):
    agreement.status = S.ACTIVE
    agreement.auto_renew = True
    agreement.valid_from = dt.date(2025, 1, 1)
    agreement.valid_to = dt.date(2029, 12, 31)
    agreement.save()

    assert services.agreements_expire_due(today=dt.date(2030, 1, 1)) == []

    agreement.refresh_from_db()
    assert (agreement.status, agreement.valid_to) == (S.ACTIVE, dt.date(2034, 12, 31))
    event = audit_events_for(agreement).first()
    assert event.action == "agreement.auto_renewed"
    assert event.changes == {"valid_to": ["2029-12-31", "2034-12-31"]}

    services.agreements_expire_due(today=dt.date(2035, 1, 1))
    agreement.refresh_from_db()
    assert agreement.valid_to == dt.date(2039, 12, 31)


def test_automatic_renewal_of_a_period_in_days_adds_as_many_days(agreement):
    agreement.status = S.ACTIVE
    agreement.auto_renew = True
    agreement.valid_from = dt.date(2025, 1, 10)
    agreement.valid_to = dt.date(2025, 1, 19)
    agreement.save()

    services.agreements_expire_due(today=dt.date(2025, 1, 25))

    agreement.refresh_from_db()
    assert agreement.valid_to == dt.date(2025, 1, 29)
