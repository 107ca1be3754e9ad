"""The v7 iia-hash, checked against the official EWP examples."""

import pytest
from lxml import etree

from accord.interop.ewp.iia_hash import iia_hash, iia_hash_text
from tests.interop.conftest import DATA

NS = "{https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd}"


def only_iia(name):
    iias = etree.parse(str(DATA / name)).getroot().findall(f"{NS}iia")
    assert len(iias) == 1
    return iias[0]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "iias-get-response-example.xml",
            "e950faa83a799cf45839e7915db88ed51575babe7845c1219dfde54ce30a61e4",
        ),
        (
            "iias-get-response-v7-hash-vector.xml",
            "87b33170d7a6c6d894215641f39e7b7de36501265479e5ab3922f32d5b225033",
        ),
    ],
)
def test_official_examples_reproduce_their_own_iia_hash(name, expected):
    iia = only_iia(name)
    assert iia.findtext(f"{NS}iia-hash") == expected
    assert iia_hash(iia) == expected


def test_hash_vector_text_is_the_one_the_ewp_documentation_shows():
    text = iia_hash_text(only_iia("iias-get-response-v7-hash-vector.xml"))
    assert text == (
        "_iia-id_1=0f7a5682-faf7-49a7-9cc7-ec486c49a281__iia-id_2=1954991_"
        "_cooperation-conditions.student-studies-mobility-spec.sending-hei-id=uw.edu.pl_"
        "_cooperation-conditions.student-studies-mobility-spec.sending-ounit-id=140_"
        "_cooperation-conditions.student-studies-mobility-spec.receiving-hei-id=hibo.no_"
        "_student-studies-mobility-spec.subject-area.isced-f-code=031_"
        "_student-studies-mobility-spec.subject-area.isced-clarification="
        "Social and behavioural sciences_"
        "_cooperation-conditions.student-studies-mobility-spec.total-months-per-year=5_"
        "_cooperation-conditions.student-studies-mobility-spec.blended=false_"
        "_cooperation-conditions.student-studies-mobility-spec.eqf-level=7_"
        "_cooperation-conditions.student-studies-mobility-spec.eqf-level=8_"
        "_receiving-first-academic-year-id=2014/2015_"
        "_receiving-last-academic-year-id=2020/2021_"
        "_cooperation-conditions.staff-teacher-mobility-spec.sending-hei-id=uw.edu.pl_"
        "_cooperation-conditions.staff-teacher-mobility-spec.sending-ounit-id=140_"
        "_cooperation-conditions.staff-teacher-mobility-spec.receiving-hei-id=hibo.no_"
        "_cooperation-conditions.staff-teacher-mobility-spec.mobilities-per-year=2_"
        "_staff-teacher-mobility-spec.recommended-language-skill.language=en_"
        "_staff-teacher-mobility-spec.recommended-language-skill.cefr-level=C1_"
        "_staff-teacher-mobility-spec.subject-area.isced-f-code=0314_"
        "_cooperation-conditions.staff-teacher-mobility-spec.total-days-per-year=8_"
        "_receiving-first-academic-year-id=2016/2017_"
        "_receiving-last-academic-year-id=2017/2018_"
    )


def test_contacts_comments_and_layout_do_not_change_the_hash():
    iia = only_iia("iias-get-response-v7-hash-vector.xml")
    before = iia_hash(iia)
    for contact in iia.iter(f"{NS}sending-contact"):
        contact.getparent().remove(contact)
    spec = iia.find(f"{NS}cooperation-conditions")[0]
    spec.insert(0, etree.Comment(" a comment "))
    for element in iia.iter():
        element.tail = None
    assert iia_hash(iia) == before


def test_a_changed_condition_changes_the_hash():
    iia = only_iia("iias-get-response-example.xml")
    before = iia_hash(iia)
    iia.find(f".//{NS}total-days-per-year").text = "9"
    assert iia_hash(iia) != before


def test_termination_as_a_whole_leads_the_text():
    iia = only_iia("iias-get-response-example.xml")
    iia.find(f"{NS}cooperation-conditions").set("terminated-as-a-whole", "true")
    assert iia_hash_text(iia).startswith("_@terminated-as-a-whole@__iia-id_1=0f7a5682-")


def test_a_partner_without_iia_id_contributes_an_empty_value():
    iia = only_iia("iias-get-response-example.xml")
    second = iia.findall(f"{NS}partner")[1]
    second.remove(second.find(f"{NS}iia-id"))
    assert iia_hash_text(iia).startswith(
        "_iia-id_1=0f7a5682-faf7-49a7-9cc7-ec486c49a281__iia-id_2=__cooperation-conditions."
    )


def test_attributes_are_part_of_the_text_except_not_yet_defined_and_v6_value():
    iia = only_iia("iias-get-response-v7-hash-vector.xml")
    clarification = iia.find(f".//{NS}isced-clarification")
    clarification.set("lang", "en")
    text = iia_hash_text(iia)
    assert "_@student-studies-mobility-spec.subject-area.isced-clarification.lang=en@_" in text
    assert "v6-value" not in text
    assert "not-yet-defined" not in text
