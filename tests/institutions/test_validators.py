import pytest
from django.core.exceptions import ValidationError

from accord.core.validators import (
    normalize_erasmus_code,
    normalize_ror_id,
    normalize_schac_code,
    ror_check_digits,
    validate_erasmus_code,
    validate_ror_id,
    validate_schac_code,
)
from tests.factories import InstitutionFactory

# Real ROR ids (ror.org), each checked against the registry.
REAL_ROR_IDS = [
    "04wxnsj81",
    "03yrm5c26",
    "02mhbdp94",
    "042nb2s44",  # MIT
    "03vek6s52",  # Harvard University
    "00f54p054",  # Stanford University
    "052gg0110",  # University of Oxford
    "013meh722",  # University of Cambridge
    "01ggx4157",  # CERN
    "05a28rw58",  # ETH Zurich
]


def _message(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(excinfo.value.messages)


@pytest.mark.parametrize("ror_id", REAL_ROR_IDS)
def test_real_ror_ids_are_valid(ror_id):
    validate_ror_id(ror_id)
    assert ror_check_digits(ror_id[1:7]) == ror_id[7:]


@pytest.mark.parametrize("ror_id", REAL_ROR_IDS)
def test_ror_id_with_one_check_digit_changed_is_rejected(ror_id):
    for position in (7, 8):
        digit = str((int(ror_id[position]) + 1) % 10)
        mistyped = ror_id[:position] + digit + ror_id[position + 1 :]
        with pytest.raises(ValidationError) as excinfo:
            validate_ror_id(mistyped)
        assert excinfo.value.code == "invalid_checksum"
        assert "check digits" in _message(excinfo)


def test_ror_id_with_one_body_character_changed_is_rejected():
    with pytest.raises(ValidationError) as excinfo:
        validate_ror_id("04wxnsk81")
    assert excinfo.value.code == "invalid_checksum"


@pytest.mark.parametrize(
    "typed",
    [
        "https://ror.org/04wxnsj81",
        "http://ror.org/04wxnsj81/",
        "ror.org/04wxnsj81",
        " 04WXNSJ81 ",
        "HTTPS://ROR.ORG/04WXNSJ81",
    ],
)
def test_ror_url_and_upper_case_forms_are_accepted_and_normalised(typed):
    validate_ror_id(typed)
    assert normalize_ror_id(typed) == "04wxnsj81"


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("04wxnsj8", "invalid_length", "9 characters"),
        ("04wxnsj811", "invalid_length", "9 characters"),
        ("14wxnsj81", "invalid_start", "starts with 0"),
        ("04wxnoj81", "invalid_characters", "“o”"),
        ("0iluoab12", "invalid_characters", "without i, l, o and u"),
        ("04wxnsjab", "invalid_checksum", "check digits"),
    ],
)
def test_malformed_ror_ids_are_rejected_with_a_message_naming_the_problem(value, code, words):
    with pytest.raises(ValidationError) as excinfo:
        validate_ror_id(value)
    assert excinfo.value.code == code
    assert words in _message(excinfo)


@pytest.mark.parametrize(
    "domain",
    ["kaznu.kz", "science.gov.az", "uw.edu.pl", "student.42.fr", "xn--80ak6aa92e.xn--p1ai"],
)
def test_lower_case_internet_domains_are_valid_schac_codes(domain):
    validate_schac_code(domain)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("KazNU.kz", "not_lower_case"),
        ("kaznu", "no_dot"),
        ("https://kaznu.kz", "not_a_domain"),
        ("kaznu.kz/en", "not_a_domain"),
        ("info@kaznu.kz", "not_a_domain"),
        ("-kaznu.kz", "invalid_label"),
        ("kaz_nu.kz", "invalid_label"),
        ("kaznu..kz", "invalid_label"),
        ("kaznu.k1", "invalid_tld"),
        ("a" * 64 + ".kz", "invalid_label"),
    ],
)
def test_invalid_schac_codes_are_rejected(value, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_schac_code(value)
    assert excinfo.value.code == code


def test_schac_code_normalisation_lowercases_and_strips():
    assert normalize_schac_code(" KazNU.KZ. ") == "kaznu.kz"


@pytest.mark.parametrize(
    "code",
    ["PL WARSZAW01", "D  BERLIN01", "IRLDUBLIN01", "F  PARIS001", "LUXLUX-VIL01", "SF HELSINK01"],
)
def test_erasmus_codes_in_their_canonical_form_are_valid(code):
    validate_erasmus_code(code)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("pl warszaw01", "PL WARSZAW01"),
        ("D BERLIN01", "D  BERLIN01"),
        ("  F   PARIS001 ", "F  PARIS001"),
        ("PL WARSZAW01", "PL WARSZAW01"),
    ],
)
def test_erasmus_codes_are_normalised_to_the_padded_prefix(typed, stored):
    assert normalize_erasmus_code(typed) == stored
    validate_erasmus_code(stored)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("GARBAGE", "missing_number"),
        ("PL WARSZAW", "missing_number"),
        ("12 BERLIN01", "invalid_prefix"),
        (" D BERLIN01", "invalid_prefix"),
        ("PL 1234", "invalid_city"),
        ("PL WAR SAW01", "invalid_city"),
        ("pl warszaw01", "not_upper_case"),
        ("PL " + "W" * 20 + "01", "too_long"),
    ],
)
def test_garbage_erasmus_codes_are_rejected(value, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_erasmus_code(value)
    assert excinfo.value.code == code


@pytest.mark.django_db
def test_model_fields_use_the_identifier_validators():
    institution = InstitutionFactory.build(
        ror_id="04wxnsj82", schac_code="Not A Domain", erasmus_code="???"
    )
    with pytest.raises(ValidationError) as excinfo:
        institution.full_clean(exclude=["search_text"])
    assert set(excinfo.value.message_dict) == {"ror_id", "schac_code", "erasmus_code"}
