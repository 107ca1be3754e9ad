"""The terms of each kind of provision, validated and summarised."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.utils import translation

from accord.agreements import services
from accord.agreements.models import AgreementStatus, Provision, ProvisionKind
from accord.agreements.provisions import (
    PROVISION_FORMS,
    isced_fields,
    provision_summary,
    provision_terms_clean,
)
from accord.core.audit import audit_events_for
from tests.factories import (
    AgreementFactory,
    InstitutionFactory,
    UnitFactory,
    agreement_row_counts,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def kaznu(db):
    return InstitutionFactory(name="KazNU", country="KZ")


@pytest.fixture
def uw(db):
    return InstitutionFactory(name="UW", country="PL")


@pytest.fixture
def agreement(kaznu, uw):
    return AgreementFactory(parties=[kaznu, uw])


def mobility(kaznu, uw, **changes):
    return {
        "sending_institution": kaznu.pk,
        "receiving_institution": uw.pk,
        "mobility_type": "student_studies",
        "places_per_year": 5,
        "total_months": 25,
        "isced_code": "0611",
        "eqf_levels": [6, 7],
        "language": "en",
        "cefr_level": "B2",
        "academic_year_from": "2025/2026",
        "academic_year_to": "2029/2030",
        **changes,
    }


def errors_of(kind, data, agreement):
    with pytest.raises(ValidationError) as error:
        provision_terms_clean(kind, data, agreement=agreement)
    return error.value.message_dict


def test_every_kind_has_a_form():
    assert set(PROVISION_FORMS) == set(ProvisionKind.values)


def test_mobility_terms_are_cleaned_and_summarised(agreement, kaznu, uw):
    terms = provision_terms_clean("mobility", mobility(kaznu, uw), agreement=agreement)

    assert terms == {
        "sending_institution": kaznu.pk,
        "receiving_institution": uw.pk,
        "mobility_type": "student_studies",
        "places_per_year": 5,
        "total_months": 25,
        "total_days": None,
        "blended": False,
        "isced_code": "0611",
        "isced_clarification": "",
        "eqf_levels": [6, 7],
        "language": "en",
        "cefr_level": "B2",
        "academic_year_from": "2025/2026",
        "academic_year_to": "2029/2030",
    }
    provision = Provision(agreement=agreement, kind="mobility", terms=terms)
    assert provision_summary(provision) == (
        "Mobility: student mobility for studies, KazNU -> UW, 5 places/year, 25 months/year, "
        "0611 Computer use, EQF 6-7, en B2, 2025/2026-2029/2030"
    )


def test_staff_mobility_counts_days_not_months(agreement, kaznu, uw):
    terms = provision_terms_clean(
        "mobility",
        mobility(kaznu, uw, mobility_type="staff_teaching", total_days=40),
        agreement=agreement,
    )
    assert (terms["total_days"], terms["total_months"]) == (40, None)
    assert errors_of(
        "mobility", mobility(kaznu, uw, mobility_type="staff_training"), agreement
    ) == {"total_days": ["Give the days per year for staff."]}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"isced_code": "9999"},
            {"isced_code": ["9999 is not an ISCED-F 2013 field of education code."]},
        ),
        ({"eqf_levels": [6, 9]}, {"eqf_levels": ["EQF levels are 1 to 8; 9 is not one."]}),
        (
            {"cefr_level": "D1"},
            {"cefr_level": ["D1 is not a CEFR level; use A1, A2, B1, B2, C1 or C2."]},
        ),
        (
            {"academic_year_to": "2025/2027"},
            {
                "academic_year_to": [
                    "2025/2027 is not an academic year: the second year must follow the "
                    "first, as in 2025/2026."
                ]
            },
        ),
        (
            {"academic_year_from": "2030/2031"},
            {"academic_year_to": ["The last academic year cannot precede the first."]},
        ),
        (
            {"academic_year_from": "25/26"},
            {"academic_year_from": ["Write the academic year as 2025/2026."]},
        ),
        (
            {"language": "xx"},
            {"language": ["xx is not an ISO 639-1 language code (such as en, pl, ru)."]},
        ),
        (
            {"places_per_year": 0},
            {"places_per_year": ["Ensure this value is greater than or equal to 1."]},
        ),
        (
            {"mobility_type": "tourism"},
            {
                "mobility_type": [
                    "Select a valid choice. tourism is not one of the available choices."
                ]
            },
        ),
    ],
)
def test_invalid_mobility_terms_are_named(agreement, kaznu, uw, changes, expected):
    assert errors_of("mobility", mobility(kaznu, uw, **changes), agreement) == expected


def test_the_sending_institution_must_be_a_party(agreement, kaznu, uw):
    stranger = InstitutionFactory(name="Not a party")
    assert errors_of(
        "mobility", mobility(kaznu, uw, sending_institution=stranger.pk), agreement
    ) == {"sending_institution": [f"Institution {stranger.pk} is not a party to this agreement."]}


def test_sending_and_receiving_differ(agreement, kaznu, uw):
    assert errors_of(
        "mobility", mobility(kaznu, uw, receiving_institution=kaznu.pk), agreement
    ) == {"receiving_institution": ["The receiving institution must differ from the sending one."]}


def test_center_access_names_units_of_the_parties(agreement, kaznu, uw):
    center = UnitFactory(institution=kaznu, name="Azerbaijani Center of History and Culture")
    foreign = UnitFactory(name="A unit of someone else")

    terms = provision_terms_clean(
        "center_access",
        {"unit_ids": [center.pk], "centers": "Laboratory of physics\n\n", "hours_per_year": 200},
        agreement=agreement,
    )
    assert terms == {
        "unit_ids": [center.pk],
        "centers": ["Laboratory of physics"],
        "hours_per_year": 200,
        "days_per_year": None,
    }
    assert provision_summary(Provision(agreement=agreement, kind="center_access", terms=terms)) == (
        "Access to research centers: Azerbaijani Center of History and Culture, "
        "Laboratory of physics, 200 hours/year"
    )
    assert errors_of(
        "center_access", {"unit_ids": [foreign.pk], "hours_per_year": 1}, agreement
    ) == {"unit_ids": [f"Unit {foreign.pk} is not a unit of a party institution."]}
    assert errors_of("center_access", {"hours_per_year": 1}, agreement) == {
        "centers": ["Name at least one center."]
    }


def test_scholarship_currency_is_iso_4217(agreement):
    data = {"programme": "Al-Farabi scholarship", "places_per_year": 3, "stipend_amount": "450.50"}
    assert errors_of("scholarship", {**data, "currency": "ABC"}, agreement) == {
        "currency": ["ABC is not an ISO 4217 currency code (such as EUR, KZT, AZN)."]
    }
    assert errors_of("scholarship", data, agreement) == {
        "currency": ["Give the currency of the stipend."]
    }
    terms = provision_terms_clean("scholarship", {**data, "currency": "azn"}, agreement=agreement)
    assert (terms["stipend_amount"], terms["currency"]) == (450.5, "AZN")


def test_terms_from_a_submitted_form_are_cleaned_too(agreement, kaznu, uw):
    data = QueryDict(mutable=True)
    data.update({"topic": "Caspian geology", "csrfmiddlewaretoken": "x"})
    assert provision_terms_clean("joint_research", data, agreement=agreement) == {
        "topic": "Caspian geology",
        "description": "",
    }
    data = QueryDict(mutable=True)
    for key, value in mobility(kaznu, uw).items():
        if isinstance(value, list):
            data.setlist(key, [str(v) for v in value])
        else:
            data[key] = str(value)
    assert provision_terms_clean("mobility", data, agreement=agreement)["eqf_levels"] == [6, 7]


def test_an_unknown_kind_is_refused(agreement):
    assert errors_of("tourism", {}, agreement) == {"kind": ["Unknown kind of provision: tourism."]}


def test_isced_fields_are_read_from_the_shipped_list():
    fields = dict(isced_fields())
    assert len(fields) == 190
    assert fields["0611"] == "0611 Computer use"


# Through the services ---------------------------------------------------------------------------


def test_a_provision_is_added_updated_and_removed_with_audit_events(officer, institution, partner):
    agreement = AgreementFactory(parties=[institution, partner])
    provision = services.provision_add(
        actor=officer,
        agreement=agreement,
        kind="joint_events",
        terms={"description": "Anniversary conference", "events_per_year": "1"},
    )
    assert provision.terms == {"description": "Anniversary conference", "events_per_year": 1}

    services.provision_update(
        actor=officer,
        provision=provision,
        terms={"description": "Anniversary conference", "events_per_year": 2},
    )
    provision.refresh_from_db()
    assert provision.terms["events_per_year"] == 2
    services.provision_remove(actor=officer, provision=provision)

    assert not Provision.objects.exists()
    assert [e.action for e in audit_events_for(agreement)] == [
        "agreement.provision_removed",
        "agreement.provision_updated",
        "agreement.provision_added",
    ]
    assert audit_events_for(agreement)[1].changes["terms"] == {"events_per_year": [1, 2]}


def test_invalid_terms_add_nothing(officer, institution, partner):
    agreement = AgreementFactory(parties=[institution, partner])
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        services.provision_add(
            actor=officer,
            agreement=agreement,
            kind="mobility",
            terms=mobility(institution, partner, isced_code="9999", eqf_levels=[9]),
        )
    assert set(error.value.message_dict) == {"isced_code", "eqf_levels"}
    assert agreement_row_counts() == before


def test_invalid_terms_change_nothing(officer, institution, partner):
    agreement = AgreementFactory(parties=[institution, partner])
    provision = services.provision_add(
        actor=officer, agreement=agreement, kind="joint_research", terms={"topic": "Seismology"}
    )
    before = agreement_row_counts()
    with pytest.raises(ValidationError):
        services.provision_update(actor=officer, provision=provision, terms={"topic": ""})
    provision.refresh_from_db()
    assert provision.terms["topic"] == "Seismology"
    assert agreement_row_counts() == before


def test_a_signed_agreement_keeps_its_provisions(officer, institution, partner):
    agreement = AgreementFactory(parties=[institution, partner], status=AgreementStatus.ACTIVE)
    before = agreement_row_counts()
    with pytest.raises(ValidationError) as error:
        services.provision_add(
            actor=officer, agreement=agreement, kind="joint_research", terms={"topic": "X"}
        )
    assert error.value.message_dict == {
        "kind": ["A signed agreement (Active) keeps its provisions; record an amendment."]
    }
    assert agreement_row_counts() == before


def test_an_outsider_adds_no_provision(outsider, institution, partner):
    agreement = AgreementFactory(parties=[institution, partner])
    with pytest.raises(PermissionDenied):
        services.provision_add(
            actor=outsider, agreement=agreement, kind="joint_research", terms={"topic": "X"}
        )
    assert not Provision.objects.exists()


@pytest.mark.parametrize(
    ("language", "stipend"),
    [("en", "stipend 250,000 KZT/month"), ("ru", "стипендия 250\xa0000 KZT/мес.")],
)
def test_a_stipend_is_grouped_as_the_readers_language_groups_thousands(
    agreement, language, stipend
):
    terms = {
        "programme": "KazNU-ANAS",
        "places_per_year": 6,
        "stipend_amount": 250000,
        "currency": "KZT",
        "months": 10,
    }
    with translation.override(language):
        summary = provision_summary(Provision(agreement=agreement, kind="scholarship", terms=terms))
    assert stipend in summary
