"""EWP IIAs v7 get responses read into Accord's agreements."""

import datetime as dt

import pytest
from lxml import etree

from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Provision,
    ProvisionKind,
)
from accord.core.audit import audit_events_for
from accord.institutions.models import Institution
from accord.interop.ewp.iia_hash import iia_hash
from accord.interop.ewp.iia_import import EwpFileError, iias_import
from accord.interop.ewp.iia_xml import iias_get_response
from accord.interop.models import EwpIiaLink
from tests.factories import InstitutionFactory, MembershipFactory, agreement_row_counts
from tests.interop.conftest import DATA, bilateral, mobility, sign

pytestmark = pytest.mark.django_db

NS = "{https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd}"
EXAMPLE = (DATA / "iias-get-response-example.xml").read_bytes()
HASH_VECTOR = (DATA / "iias-get-response-v7-hash-vector.xml").read_bytes()


def row_counts():
    return {**agreement_row_counts(), "EwpIiaLink": EwpIiaLink.objects.count()}


def edited(content, change, *, rehash=True):
    """`content` after `change(root)`, each IIA's hash recomputed unless `rehash` is False."""
    root = etree.fromstring(content)
    change(root)
    if rehash:
        for iia in root.iter(f"{NS}iia"):
            iia.find(f"{NS}iia-hash").text = iia_hash(iia)
    return etree.tostring(root)


def mobility_terms(agreement):
    """The agreement's mobility terms with institutions named by SCHAC code."""
    codes = dict(Institution.objects.values_list("pk", "schac_code"))
    return [
        {
            **p.terms,
            "sending_institution": codes[p.terms["sending_institution"]],
            "receiving_institution": codes[p.terms["receiving_institution"]],
        }
        for p in agreement.provisions.filter(kind=ProvisionKind.MOBILITY).order_by("id")
    ]


def test_the_official_example_becomes_an_agreement_in_signing(staff, warsaw, hibo):
    report = iias_import(actor=staff, data=EXAMPLE, institution=hibo)

    [outcome] = report.outcomes
    assert outcome.status == "created"
    assert outcome.label == "IIA 1 (uw.edu.pl 0f7a5682-faf7-49a7-9cc7-ec486c49a281)"
    agreement = Agreement.objects.get(pk=outcome.agreement_id)
    assert agreement.kind == AgreementKind.BILATERAL_EXCHANGE
    assert agreement.title == "983/E+/III14&15"
    assert agreement.status == AgreementStatus.SIGNING
    assert [p.institution for p in agreement.parties.order_by("id")] == [warsaw, hibo]
    terms = mobility_terms(agreement)
    assert [(t["mobility_type"], t["sending_institution"]) for t in terms] == [
        ("student_studies", "uw.edu.pl"),
        ("student_traineeship", "uw.edu.pl"),
        ("staff_teaching", "uw.edu.pl"),
        ("staff_teaching", "hibo.no"),
        ("staff_training", "hibo.no"),
    ]
    assert terms[0] == {
        "sending_institution": "uw.edu.pl",
        "receiving_institution": "hibo.no",
        "mobility_type": "student_studies",
        "places_per_year": 2,
        "total_months": 5,
        "total_days": None,
        "blended": False,
        "isced_code": "0314",
        "isced_clarification": "",
        "eqf_levels": [7, 8],
        "language": "en",
        "cefr_level": "B1",
        "academic_year_from": "2014/2015",
        "academic_year_to": "2020/2021",
    }
    assert terms[3]["total_days"] == 14
    assert (
        "student-studies-mobility-spec 1: only the first of 2 recommended languages is kept."
        in (outcome.notes)
    )
    link = EwpIiaLink.objects.get()
    assert (link.agreement, link.hei_id, link.iia_id, link.iia_hash) == (
        agreement,
        "uw.edu.pl",
        "0f7a5682-faf7-49a7-9cc7-ec486c49a281",
        "e950faa83a799cf45839e7915db88ed51575babe7845c1219dfde54ce30a61e4",
    )
    actions = [event.action for event in audit_events_for(agreement)]
    assert "agreement.ewp_imported" in actions
    assert {event.actor for event in audit_events_for(agreement)} == {staff}


def test_the_hash_vector_leaves_not_yet_defined_values_open(staff, warsaw, hibo):
    report = iias_import(actor=staff, data=HASH_VECTOR, institution=hibo)

    agreement = Agreement.objects.get(pk=report.outcomes[0].agreement_id)
    studies = mobility_terms(agreement)[0]
    assert studies["language"] == ""
    assert studies["cefr_level"] == ""
    assert studies["isced_code"] == "0314"
    assert studies["isced_clarification"] == "Social and behavioural sciences"
    assert EwpIiaLink.objects.get().iia_hash == (
        "87b33170d7a6c6d894215641f39e7b7de36501265479e5ab3922f32d5b225033"
    )


def test_round_trip_keeps_cooperation_conditions_and_hash(staff):
    warsaw = InstitutionFactory(name="University of Warsaw", schac_code="uw.edu.pl")
    hibo = InstitutionFactory(name="University of South-Eastern Norway", schac_code="hibo.no")
    original = bilateral(
        warsaw,
        hibo,
        mobility(warsaw, hibo),
        mobility(hibo, warsaw, language="", cefr_level="", eqf_levels=[6]),
        mobility(warsaw, hibo, mobility_type="student_traineeship", total_months="4.5"),
        mobility(
            hibo,
            warsaw,
            mobility_type="staff_teaching",
            total_days=10,
            isced_code="",
            isced_clarification="",
        ),
        mobility(warsaw, hibo, mobility_type="staff_training", total_days=7, language="pl"),
        title="Erasmus+ UW-USN 2025",
    )
    sign(original)
    exported = iias_get_response([original], local_institution=warsaw)
    original_hash = etree.fromstring(exported).findtext(f"{NS}iia/{NS}iia-hash")
    original_terms = mobility_terms(original)
    original_id = str(original.pk)
    original.delete()
    warsaw.delete()
    hibo.delete()
    warsaw = InstitutionFactory(name="Uniwersytet Warszawski", schac_code="uw.edu.pl")
    hibo = InstitutionFactory(name="USN", schac_code="hibo.no")

    report = iias_import(actor=staff, data=exported, institution=hibo)

    imported = Agreement.objects.get(pk=report.outcomes[0].agreement_id)
    assert imported.title == "Erasmus+ UW-USN 2025"
    assert mobility_terms(imported) == original_terms
    assert {(p.signatory_name, p.signed_on) for p in imported.parties.all()} == {
        ("Rector of University of Warsaw", dt.date(2025, 3, 1)),
        ("Rector of University of South-Eastern Norway", dt.date(2025, 3, 1)),
    }
    again = iias_get_response([imported], local_institution=warsaw)
    assert etree.fromstring(again).findtext(f"{NS}iia/{NS}iia-hash") == original_hash
    seen_from_hibo = etree.fromstring(iias_get_response([imported], local_institution=hibo))
    partners = seen_from_hibo.findall(f"{NS}iia/{NS}partner")
    assert [p.findtext(f"{NS}iia-id") for p in partners] == [str(imported.pk), original_id]


def test_reimporting_the_same_file_changes_nothing(staff, warsaw, hibo):
    iias_import(actor=staff, data=EXAMPLE, institution=hibo)
    before = row_counts()
    link = EwpIiaLink.objects.get()

    report = iias_import(actor=staff, data=EXAMPLE, institution=hibo)

    assert [o.status for o in report.outcomes] == ["unchanged"]
    assert report.outcomes[0].agreement_id == link.agreement_id
    assert row_counts() == before
    assert EwpIiaLink.objects.get().last_imported_at == link.last_imported_at


def test_changed_conditions_replace_the_provisions(staff, warsaw, hibo):
    iias_import(actor=staff, data=EXAMPLE, institution=hibo)
    link = EwpIiaLink.objects.get()

    def fewer_places(root):
        root.find(f".//{NS}mobilities-per-year").text = "3"

    changed = edited(EXAMPLE, fewer_places)
    report = iias_import(actor=staff, data=changed, institution=hibo)

    assert [o.status for o in report.outcomes] == ["updated"]
    terms = mobility_terms(link.agreement)
    assert [t["places_per_year"] for t in terms] == [3, 10, 2, 2, 2]
    link.refresh_from_db()
    assert link.iia_hash == iia_hash(etree.fromstring(changed).find(f"{NS}iia"))


def test_changed_conditions_of_an_active_agreement_are_refused(staff, warsaw, hibo):
    iias_import(actor=staff, data=EXAMPLE, institution=hibo)
    agreement = EwpIiaLink.objects.get().agreement
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ACTIVE)
    before = row_counts()

    changed = edited(
        EXAMPLE,
        lambda root: setattr(root.find(f".//{NS}total-days-per-year"), "text", "9"),
    )
    report = iias_import(actor=staff, data=changed, institution=hibo)

    [outcome] = report.refused
    assert outcome.reasons == [
        f"its cooperation conditions changed, but agreement {agreement.pk} is active in Accord: "
        "a signed agreement changes only through an amendment."
    ]
    assert row_counts() == before


def test_a_dry_run_reports_and_writes_nothing(staff, warsaw, hibo):
    before = row_counts()

    report = iias_import(actor=staff, data=EXAMPLE, institution=hibo, dry_run=True)

    assert [(o.status, o.agreement_id) for o in report.outcomes] == [("created", None)]
    assert not report.committed
    assert row_counts() == before


def test_text_that_is_not_xml_is_refused_naming_the_line(staff, warsaw, hibo):
    before = row_counts()
    with pytest.raises(EwpFileError, match=r"^The file is not well-formed XML: line 2: "):
        iias_import(actor=staff, data=b"<iias-get-response>\n<iia></iias>", institution=hibo)
    with pytest.raises(EwpFileError, match="not well-formed XML"):
        iias_import(actor=staff, data=b"", institution=hibo)
    assert row_counts() == before


def test_xml_against_the_schema_is_refused_naming_the_line(staff, warsaw, hibo):
    def without_in_effect(root):
        iia = root.find(f"{NS}iia")
        iia.remove(iia.find(f"{NS}in-effect"))

    broken = edited(EXAMPLE, without_in_effect, rehash=False)
    before = row_counts()

    with pytest.raises(EwpFileError) as error:
        iias_import(actor=staff, data=broken, institution=hibo)

    message = str(error.value)
    assert message.startswith("The file is not a valid EWP IIAs v7 get response: line ")
    assert "cooperation-conditions" in message
    assert "in-effect" in message
    assert row_counts() == before


def test_an_entity_is_not_expanded(staff, warsaw, hibo):
    data = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<iias-get-response>&x;</iias-get-response>"
    )
    with pytest.raises(EwpFileError):
        iias_import(actor=staff, data=data, institution=hibo)


def test_a_wrong_hash_refuses_that_iia_and_the_file_commits_nothing(staff, warsaw, hibo):
    def two_iias_second_tampered(root):
        first = root.find(f"{NS}iia")
        second = etree.fromstring(etree.tostring(first))
        second.find(f"{NS}partner/{NS}iia-id").text = "second-iia"
        root.append(second)

    data = edited(EXAMPLE, two_iias_second_tampered)
    data = edited(
        data,
        lambda root: setattr(root.findall(f".//{NS}total-days-per-year")[-1], "text", "99"),
        rehash=False,
    )
    before = row_counts()

    report = iias_import(actor=staff, data=data, institution=hibo)

    assert [o.status for o in report.outcomes] == ["created", "refused"]
    refused = report.outcomes[1]
    assert refused.label == "IIA 2 (uw.edu.pl second-iia)"
    assert refused.reasons[0].startswith("its iia-hash ")
    assert "is not the hash of its cooperation conditions" in refused.reasons[0]
    assert report.outcomes[0].agreement_id is None
    assert not report.committed
    assert row_counts() == before


def test_an_unknown_hei_is_refused(staff, hibo):
    before = row_counts()

    report = iias_import(actor=staff, data=EXAMPLE, institution=hibo)

    [outcome] = report.refused
    assert outcome.reasons == [
        "unknown HEI uw.edu.pl: no institution in Accord has this SCHAC code."
    ]
    assert row_counts() == before


def test_a_reversed_academic_year_range_is_refused(staff, warsaw, hibo):
    def reversed_years(root):
        spec = root.find(f".//{NS}staff-training-mobility-spec")
        spec.find(f"{NS}receiving-first-academic-year-id").text = "2018/2019"
        spec.find(f"{NS}receiving-last-academic-year-id").text = "2016/2017"

    before = row_counts()

    report = iias_import(actor=staff, data=edited(EXAMPLE, reversed_years), institution=hibo)

    [outcome] = report.refused
    assert outcome.reasons == [
        "staff-training-mobility-spec 1: academic_year_to: "
        "The last academic year cannot precede the first."
    ]
    assert row_counts() == before


def test_an_iia_the_institution_is_not_party_to_is_skipped(staff, warsaw, hibo):
    other = InstitutionFactory(name="Other University", schac_code="other.example.edu")

    def with_another_iia(root):
        mine = etree.fromstring(etree.tostring(root.find(f"{NS}iia")))
        mine.findall(f"{NS}partner/{NS}hei-id")[1].text = "other.example.edu"
        for spec in mine.find(f"{NS}cooperation-conditions").iterchildren(etree.Element):
            for side in ("sending", "receiving"):
                hei = spec.find(f"{NS}{side}-hei-id")
                hei.text = "other.example.edu" if hei.text == "hibo.no" else hei.text
        root.append(mine)

    report = iias_import(actor=staff, data=edited(EXAMPLE, with_another_iia), institution=other)

    assert [(o.status, o.reasons) for o in report.outcomes] == [
        ("skipped", ["Other University (other.example.edu) is not one of its two partners."]),
        ("created", []),
    ]
    assert report.committed
    assert Agreement.objects.get().parties.filter(institution=other).exists()


def test_a_partner_without_iia_id_cannot_be_recognised_again(staff, warsaw, hibo):
    def without_id(root):
        partner = root.find(f".//{NS}partner")
        partner.remove(partner.find(f"{NS}iia-id"))

    report = iias_import(actor=staff, data=edited(EXAMPLE, without_id), institution=hibo)

    assert report.refused[0].reasons == [
        "the partner uw.edu.pl gives it no iia-id, so it could not be recognised again."
    ]


def test_a_spec_between_other_heis_is_refused(staff, warsaw, hibo):
    def elsewhere(root):
        root.find(f".//{NS}staff-training-mobility-spec/{NS}sending-hei-id").text = "x.edu"

    report = iias_import(actor=staff, data=edited(EXAMPLE, elsewhere), institution=hibo)

    assert report.refused[0].reasons == [
        "staff-training-mobility-spec 1: sending-hei-id x.edu is not one of the IIA's partners."
    ]


def test_an_actor_without_rights_is_refused(warsaw, hibo):
    researcher = MembershipFactory(institution=hibo, role="researcher").user
    before = row_counts()

    report = iias_import(actor=researcher, data=EXAMPLE, institution=hibo)

    assert report.refused[0].reasons == [
        "Only an admin or officer of one of the parties may create this agreement."
    ]
    assert row_counts() == before


def test_an_officer_of_the_institution_may_import(warsaw, hibo):
    officer = MembershipFactory(institution=hibo, role="officer").user

    report = iias_import(actor=officer, data=EXAMPLE, institution=hibo)

    assert [o.status for o in report.outcomes] == ["created"]


def test_signatures_are_recorded_and_never_overwritten(staff, warsaw, hibo):
    def signed(root):
        partner = root.find(f".//{NS}partner")
        date = etree.Element(f"{NS}signing-date")
        date.text = "2024-05-06"
        partner.find(f"{NS}signing-contact").addnext(date)

    iias_import(actor=staff, data=edited(EXAMPLE, signed), institution=hibo)
    agreement = EwpIiaLink.objects.get().agreement
    party = agreement.parties.get(institution=warsaw)
    assert (party.signatory_name, party.signed_on) == ("Sylwia Nowak", dt.date(2024, 5, 6))
    assert agreement.parties.get(institution=hibo).signed_on is None

    def signed_by_someone_else(root):
        signed(root)
        contact = root.find(f".//{NS}partner/{NS}signing-contact")
        contact[0].text = "Somebody Else"

    report = iias_import(
        actor=staff, data=edited(EXAMPLE, signed_by_someone_else), institution=hibo
    )

    assert [o.status for o in report.outcomes] == ["unchanged"]
    party.refresh_from_db()
    assert party.signatory_name == "Sylwia Nowak"


def test_a_proposal_stays_in_negotiation(staff, warsaw, hibo):
    def proposal(root):
        root.find(f".//{NS}in-effect").text = "false"

    iias_import(actor=staff, data=edited(EXAMPLE, proposal), institution=hibo)

    assert EwpIiaLink.objects.get().agreement.status == AgreementStatus.NEGOTIATION


def test_a_terminated_iia_terminates_its_active_agreement(staff, warsaw, hibo):
    iias_import(actor=staff, data=EXAMPLE, institution=hibo)
    agreement = EwpIiaLink.objects.get().agreement
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ACTIVE)

    def terminated(root):
        root.find(f".//{NS}cooperation-conditions").set("terminated-as-a-whole", "true")

    report = iias_import(actor=staff, data=edited(EXAMPLE, terminated), institution=hibo)

    assert [o.status for o in report.outcomes] == ["updated"]
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED
    assert agreement.termination_reason == (
        "Terminated as a whole by uw.edu.pl in Erasmus Without Paper."
    )


def test_a_terminated_iia_accord_never_knew_is_skipped(staff, warsaw, hibo):
    def terminated(root):
        root.find(f".//{NS}cooperation-conditions").set("terminated-as-a-whole", "true")

    before = row_counts()

    report = iias_import(actor=staff, data=edited(EXAMPLE, terminated), institution=hibo)

    assert [o.status for o in report.outcomes] == ["skipped"]
    assert report.committed
    assert row_counts() == before


def test_an_agreement_imported_then_edited_keeps_its_edits_on_reimport(staff, warsaw, hibo):
    iias_import(actor=staff, data=EXAMPLE, institution=hibo)
    agreement = EwpIiaLink.objects.get().agreement
    Provision.objects.filter(agreement=agreement).update(terms={"edited": True})
    Agreement.objects.filter(pk=agreement.pk).update(title="Renamed in Accord")

    iias_import(actor=staff, data=EXAMPLE, institution=hibo)

    agreement.refresh_from_db()
    assert agreement.title == "Renamed in Accord"
    assert [p.terms for p in agreement.provisions.all()] == [{"edited": True}] * 5
