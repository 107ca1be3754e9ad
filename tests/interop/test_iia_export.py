"""Accord's bilateral exchange agreements as EWP IIAs v7 get responses."""

import datetime as dt

import pytest
from lxml import etree

from accord.agreements.models import AgreementKind, AgreementStatus
from accord.interop.ewp.iia_hash import iia_hash
from accord.interop.ewp.iia_xml import (
    NotAnIia,
    bilateral_agreements_of,
    ewp_isced_code,
    iia_element_for,
    iias_export,
    iias_get_response,
    iias_get_response_schema,
)
from tests.factories import InstitutionFactory, UserFactory
from tests.interop.conftest import bilateral, mobility, sign

pytestmark = pytest.mark.django_db

NS = "{https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd}"
C = "{https://github.com/erasmus-without-paper/ewp-specs-types-contact/tree/stable-v1}"


def parsed(content):
    root = etree.fromstring(content)
    iias_get_response_schema().assertValid(root)
    return root


def spec_names(iia):
    return [etree.QName(spec).localname for spec in iia.find(f"{NS}cooperation-conditions")]


def test_an_agreement_becomes_a_valid_iia_with_the_local_partner_first(warsaw, hibo):
    agreement = bilateral(hibo, warsaw, mobility(warsaw, hibo), title="Erasmus+ 2025-2030 UW-USN")

    root = parsed(iias_get_response([agreement], local_institution=warsaw))

    [iia] = root.findall(f"{NS}iia")
    first, second = iia.findall(f"{NS}partner")
    assert first.findtext(f"{NS}hei-id") == "uw.edu.pl"
    assert first.findtext(f"{NS}iia-id") == str(agreement.pk)
    assert first.findtext(f"{NS}iia-code") == "Erasmus+ 2025-2030 UW-USN"
    assert second.findtext(f"{NS}hei-id") == "hibo.no"
    assert second.find(f"{NS}iia-id") is None
    assert iia.findtext(f"{NS}in-effect") == "false"
    [spec] = iia.find(f"{NS}cooperation-conditions")
    assert etree.QName(spec).localname == "student-studies-mobility-spec"
    assert [(child.tag.removeprefix(NS), child.text.strip()) for child in spec] == [
        ("sending-hei-id", "uw.edu.pl"),
        ("receiving-hei-id", "hibo.no"),
        ("receiving-first-academic-year-id", "2025/2026"),
        ("receiving-last-academic-year-id", "2029/2030"),
        ("mobilities-per-year", "2"),
        ("recommended-language-skill", ""),
        ("subject-area", ""),
        ("total-months-per-year", "10"),
        ("blended", "false"),
        ("eqf-level", "6"),
        ("eqf-level", "7"),
    ]
    assert spec.findtext(f"{NS}recommended-language-skill/{NS}language") == "en"
    assert spec.findtext(f"{NS}recommended-language-skill/{NS}cefr-level") == "B2"
    assert spec.findtext(f"{NS}subject-area/{NS}isced-f-code") == "0613"
    assert spec.findtext(f"{NS}subject-area/{NS}isced-clarification") == "Software engineering"
    assert iia.findtext(f"{NS}iia-hash") == iia_hash(iia)


def test_every_kind_of_mobility_validates_in_the_order_the_schema_wants(warsaw, hibo):
    agreement = bilateral(
        warsaw,
        hibo,
        mobility(
            hibo, warsaw, mobility_type="staff_training", total_days=5, language="", cefr_level=""
        ),
        mobility(warsaw, hibo, mobility_type="staff_teaching", total_days=8, cefr_level=""),
        mobility(
            warsaw,
            hibo,
            mobility_type="student_traineeship",
            total_months="2.5",
            blended=True,
            eqf_levels=[],
            language="",
            cefr_level="",
            isced_code="",
            isced_clarification="",
        ),
        mobility(hibo, warsaw),
        mobility(warsaw, hibo, eqf_levels=[7, 6, 8]),
    )

    [iia] = parsed(iias_get_response([agreement], local_institution=warsaw))

    assert spec_names(iia) == [
        "student-studies-mobility-spec",
        "student-studies-mobility-spec",
        "student-traineeship-mobility-spec",
        "staff-teacher-mobility-spec",
        "staff-training-mobility-spec",
    ]
    studies_back, studies_out, traineeship, teaching, training = iia.find(
        f"{NS}cooperation-conditions"
    )
    assert studies_back.findtext(f"{NS}sending-hei-id") == "hibo.no"
    assert [e.text for e in studies_out.findall(f"{NS}eqf-level")] == ["6", "7", "8"]
    assert traineeship.findtext(f"{NS}total-months-per-year") == "2.5"
    assert traineeship.findtext(f"{NS}blended") == "true"
    assert traineeship.find(f"{NS}recommended-language-skill") is None
    assert traineeship.find(f"{NS}subject-area") is None
    assert teaching.findtext(f"{NS}total-days-per-year") == "8"
    assert teaching.find(f"{NS}recommended-language-skill/{NS}cefr-level") is None
    assert training.findtext(f"{NS}total-days-per-year") == "5"
    assert training.find(f"{NS}recommended-language-skill") is None


def test_a_required_language_left_open_is_marked_not_yet_defined(warsaw, hibo):
    agreement = bilateral(
        warsaw, hibo, mobility(warsaw, hibo, language="", cefr_level=""), languages=["pl"]
    )

    [iia] = parsed(iias_get_response([agreement], local_institution=warsaw))

    skill = iia.find(f".//{NS}recommended-language-skill")
    assert skill.get("not-yet-defined") == "true"
    assert skill.findtext(f"{NS}language") == "pl"
    assert "recommended-language-skill" not in etree.tostring(iia).decode().split("iia-hash")[1]


def test_broad_and_narrow_isced_fields_become_their_not_further_defined_field(warsaw, hibo):
    agreement = bilateral(
        warsaw,
        hibo,
        mobility(warsaw, hibo, isced_code="031"),
        mobility(hibo, warsaw, isced_code="06"),
    )

    [iia] = parsed(iias_get_response([agreement], local_institution=warsaw))

    assert [e.text for e in iia.iter(f"{NS}isced-f-code")] == ["0310", "0610"]
    assert ewp_isced_code("0314") == "0314"


def test_signatures_and_coordinators_become_partner_contacts(warsaw, hibo):
    agreement = bilateral(warsaw, hibo, mobility(warsaw, hibo), status=AgreementStatus.ACTIVE)
    sign(agreement, on=dt.date(2025, 3, 1))
    party = agreement.parties.get(institution=warsaw)
    party.coordinator = UserFactory(
        first_name="Jadwiga", last_name="Kowalska", email="jadwiga@uw.edu.pl"
    )
    party.save()

    [iia] = parsed(iias_get_response([agreement], local_institution=warsaw))

    first, second = iia.findall(f"{NS}partner")
    assert (
        first.findtext(f"{NS}signing-contact/{C}contact-name") == "Rector of University of Warsaw"
    )
    assert first.findtext(f"{NS}signing-contact/{C}role-description") == "Rector"
    assert first.findtext(f"{NS}signing-date") == "2025-03-01"
    assert first.findtext(f"{C}contact/{C}contact-name") == "Jadwiga Kowalska"
    assert first.findtext(f"{C}contact/{C}email") == "jadwiga@uw.edu.pl"
    assert second.findtext(f"{NS}signing-date") == "2025-03-01"
    assert second.find(f"{C}contact") is None
    assert iia.findtext(f"{NS}in-effect") == "true"


@pytest.mark.parametrize(
    ("status", "in_effect", "terminated"),
    [
        (AgreementStatus.DRAFT, "false", None),
        (AgreementStatus.SIGNING, "false", None),
        (AgreementStatus.ACTIVE, "true", None),
        (AgreementStatus.EXPIRED, "true", None),
        (AgreementStatus.TERMINATED, "true", "true"),
    ],
)
def test_in_effect_and_termination_follow_the_status(warsaw, hibo, status, in_effect, terminated):
    agreement = bilateral(warsaw, hibo, mobility(warsaw, hibo), status=status)

    [iia] = parsed(iias_get_response([agreement], local_institution=warsaw))

    assert iia.findtext(f"{NS}in-effect") == in_effect
    assert iia.find(f"{NS}cooperation-conditions").get("terminated-as-a-whole") == terminated
    assert iia.findtext(f"{NS}iia-hash") == iia_hash(iia)


def test_an_agreement_without_mobility_is_an_iia_without_conditions(warsaw, hibo):
    agreement = bilateral(warsaw, hibo)

    [iia] = parsed(iias_get_response([agreement], local_institution=warsaw))

    assert spec_names(iia) == []


def test_either_party_exports_the_agreement_with_itself_first(warsaw, hibo):
    agreement = bilateral(warsaw, hibo, mobility(warsaw, hibo))

    from_warsaw = iia_element_for(agreement, local_institution=warsaw)
    from_hibo = iia_element_for(agreement, local_institution=hibo)

    assert [p.findtext(f"{NS}hei-id") for p in from_warsaw.findall(f"{NS}partner")] == [
        "uw.edu.pl",
        "hibo.no",
    ]
    assert [p.findtext(f"{NS}hei-id") for p in from_hibo.findall(f"{NS}partner")] == [
        "hibo.no",
        "uw.edu.pl",
    ]


def test_agreements_that_cannot_be_iias_are_skipped_with_a_reason(warsaw, hibo):
    good = bilateral(warsaw, hibo, mobility(warsaw, hibo), title="Good")
    no_schac = InstitutionFactory(name="Institute Without Domain", schac_code=None)
    without_code = bilateral(warsaw, no_schac, title="Without code")
    three = bilateral(warsaw, hibo, title="Three parties")
    three.parties.create(institution=InstitutionFactory(name="Third University"))
    memorandum = bilateral(warsaw, hibo, kind=AgreementKind.MOU, title="Memorandum")

    result = iias_export([good, without_code, three, memorandum], local_institution=warsaw)

    root = parsed(result.content)
    assert [iia.findtext(f"{NS}partner/{NS}iia-id") for iia in root] == [str(good.pk)]
    assert result.exported == [good]
    assert [(s.agreement_id, s.reason) for s in result.skipped] == [
        (
            without_code.pk,
            "Institute Without Domain has no SCHAC code, which EWP identifies institutions by.",
        ),
        (three.pk, "it has 3 parties; an EWP IIA is between exactly two."),
        (memorandum.pk, "it is a memorandum of understanding, not a bilateral exchange."),
    ]


def test_an_institution_that_is_not_a_party_cannot_export_it(warsaw, hibo):
    agreement = bilateral(warsaw, hibo)
    with pytest.raises(NotAnIia, match="is not a party"):
        iia_element_for(agreement, local_institution=InstitutionFactory())


def test_a_provision_between_other_institutions_skips_the_agreement(warsaw, hibo):
    agreement = bilateral(warsaw, hibo, mobility(warsaw, hibo))
    provision = agreement.provisions.get()
    provision.terms = {**provision.terms, "receiving_institution": InstitutionFactory().pk}
    provision.save()

    result = iias_export([agreement], local_institution=warsaw)

    assert result.exported == []
    assert result.skipped[0].reason == (
        f"mobility provision {provision.pk} cannot be an EWP cooperation condition: "
        "its receiving institution is not a party."
    )


def test_an_empty_selection_is_a_valid_empty_response(warsaw):
    root = parsed(iias_get_response([], local_institution=warsaw))
    assert len(root) == 0


def test_the_selection_is_the_institutions_bilateral_exchanges(warsaw, hibo):
    mine = bilateral(warsaw, hibo)
    bilateral(warsaw, hibo, kind=AgreementKind.MOU)
    bilateral(hibo, InstitutionFactory())

    assert list(bilateral_agreements_of(warsaw)) == [mine]
    assert list(bilateral_agreements_of(warsaw, [mine.pk + 100])) == []


def test_exporting_many_agreements_takes_as_many_queries_as_one(warsaw, count_queries):
    def export():
        with count_queries() as queries:
            iias_get_response(bilateral_agreements_of(warsaw), local_institution=warsaw)
        return len(queries.captured_queries)

    partner = InstitutionFactory()
    bilateral(warsaw, partner, mobility(warsaw, partner))
    one = export()
    for _ in range(9):
        partner = InstitutionFactory()
        agreement = bilateral(warsaw, partner, mobility(warsaw, partner))
        sign(agreement)
    assert export() == one


def test_characters_xml_cannot_carry_are_left_out(warsaw, hibo):
    agreement = bilateral(warsaw, hibo, title="Erasmus+\x01 exchange\x1f")

    [iia] = parsed(iias_get_response([agreement], local_institution=warsaw))

    assert iia.findtext(f"{NS}partner/{NS}iia-code") == "Erasmus+ exchange"
