"""Identifiers of institutions: ROR ids, SCHAC codes (internet domains) and Erasmus codes.

Each `validate_*` raises ValidationError with a message naming what is wrong; each
`normalize_*` turns what people type (a ROR URL, upper case, single spaces) into the form
that is stored, and leaves anything it cannot read as it is for the validator to reject.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Crockford's base32 without the letters that look like digits (i, l, o) and without u.
ROR_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ROR_URL_PREFIXES = ("https://ror.org/", "http://ror.org/", "ror.org/")

# The largest key SQLite's integers and PostgreSQL's bigint hold: an id typed beyond it would
# fail in the database rather than find nothing.
LARGEST_ID = 2**63 - 1


def normalize_ror_id(value: str) -> str:
    """`https://ror.org/04WXNSJ81` -> `04wxnsj81`."""
    value = value.strip().lower()
    for prefix in ROR_URL_PREFIXES:
        if value.startswith(prefix):
            return value.removeprefix(prefix).rstrip("/")
    return value


def ror_check_digits(body: str) -> str:
    """ISO 7064 mod 97-10 check digits of the six characters after the leading 0."""
    number = 0
    for char in body:
        number = number * 32 + ROR_ALPHABET.index(char)
    return f"{98 - (number * 100) % 97:02d}"


def validate_ror_id(value: str) -> None:
    """A ROR id: `0`, six characters of Crockford base32, two check digits (`04wxnsj81`);
    the full URL `https://ror.org/04wxnsj81` is accepted too."""
    ror_id = normalize_ror_id(value)
    example = {"example": "04wxnsj81"}
    if len(ror_id) != 9:
        raise ValidationError(
            _(
                "A ROR id has 9 characters (e.g. %(example)s or https://ror.org/%(example)s); "
                "this one has %(length)s."
            ),
            code="invalid_length",
            params={**example, "length": len(ror_id)},
        )
    if ror_id[0] != "0":
        raise ValidationError(
            _("A ROR id starts with 0 (e.g. %(example)s)."), code="invalid_start", params=example
        )
    body, check = ror_id[1:7], ror_id[7:]
    wrong = sorted({char for char in body if char not in ROR_ALPHABET})
    if wrong:
        raise ValidationError(
            _(
                "A ROR id contains only digits and the letters a-z without i, l, o and u; "
                "%(chars)s is not allowed."
            ),
            code="invalid_characters",
            params={"chars": ", ".join(f"“{char}”" for char in wrong)},
        )
    if not check.isdigit() or check != ror_check_digits(body):
        raise ValidationError(
            _(
                "The check digits of the ROR id %(value)s do not match: "
                "a character is probably mistyped."
            ),
            code="invalid_checksum",
            params={"value": ror_id},
        )


_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TOP_LEVEL = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def normalize_schac_code(value: str) -> str:
    return value.strip().lower().rstrip(".")


def validate_schac_code(value: str) -> None:
    """A SCHAC code as Erasmus Without Paper uses it: the institution's lower-case internet
    domain, e.g. `kaznu.kz`."""
    example = {"example": "kaznu.kz"}
    if value != value.lower():
        raise ValidationError(
            _("A SCHAC code is written in lower case (e.g. %(example)s)."),
            code="not_lower_case",
            params=example,
        )
    if len(value) > 253:
        raise ValidationError(
            _("A SCHAC code (internet domain) has at most 253 characters."), code="too_long"
        )
    if "://" in value or "/" in value or "@" in value:
        raise ValidationError(
            _(
                "A SCHAC code is the bare internet domain (e.g. %(example)s), "
                "without http://, paths or e-mail addresses."
            ),
            code="not_a_domain",
            params=example,
        )
    labels = value.split(".")
    if len(labels) < 2:
        raise ValidationError(
            _("A SCHAC code is an internet domain with at least one dot (e.g. %(example)s)."),
            code="no_dot",
            params=example,
        )
    for label in labels:
        if not _DOMAIN_LABEL.match(label):
            raise ValidationError(
                _(
                    "“%(label)s” is not a valid part of an internet domain: use letters a-z, "
                    "digits and inner hyphens, 1 to 63 characters."
                ),
                code="invalid_label",
                params={"label": label},
            )
    if not _TOP_LEVEL.match(labels[-1]):
        raise ValidationError(
            _("“%(tld)s” is not a top-level domain (such as kz, az, pl or edu)."),
            code="invalid_tld",
            params={"tld": labels[-1]},
        )


_ERASMUS_PREFIX = re.compile(r"^[A-Z]{1,3} *$")
_ERASMUS_REST = re.compile(r"^[A-Z][A-Z-]*[0-9]{2,3}$")
_ERASMUS_LOOSE = re.compile(r"^([A-Z]{1,3})\s+([A-Z][A-Z-]*[0-9]{2,3})$")


def normalize_erasmus_code(value: str) -> str:
    """Upper case, and the country prefix padded with spaces to three characters:
    `pl warszaw01` -> `PL WARSZAW01`, `D BERLIN01` -> `D  BERLIN01`."""
    code = value.strip().upper()
    if match := _ERASMUS_LOOSE.match(code):
        return match.group(1).ljust(3) + match.group(2)
    return code


def validate_erasmus_code(value: str) -> None:
    """An Erasmus institution code: the country prefix (1-3 letters) padded with spaces to
    three characters, the city in letters, two or three digits: `PL WARSZAW01`,
    `D  BERLIN01`, `IRLDUBLIN01`."""
    example = {"example": "PL WARSZAW01"}
    if len(value) > 20:
        raise ValidationError(
            _("An Erasmus code has at most 20 characters (e.g. %(example)s)."),
            code="too_long",
            params=example,
        )
    if value != value.upper():
        raise ValidationError(
            _("An Erasmus code is written in capital letters (e.g. %(example)s)."),
            code="not_upper_case",
            params=example,
        )
    prefix, rest = value[:3], value[3:]
    if not _ERASMUS_PREFIX.match(prefix):
        raise ValidationError(
            _(
                "An Erasmus code starts with the country prefix (1 to 3 letters) padded with "
                "spaces to 3 characters, e.g. “%(example)s” or “D  BERLIN01”."
            ),
            code="invalid_prefix",
            params=example,
        )
    if not rest or not rest[-2:].isdigit():
        raise ValidationError(
            _("An Erasmus code ends with 2 or 3 digits (e.g. %(example)s)."),
            code="missing_number",
            params=example,
        )
    if not _ERASMUS_REST.match(rest):
        raise ValidationError(
            _(
                "After the country prefix an Erasmus code has the city in letters, then 2 or 3 "
                "digits (e.g. %(example)s); “%(rest)s” is not that."
            ),
            code="invalid_city",
            params={**example, "rest": rest},
        )


def normalize_country_code(value: object) -> str:
    """` kz ` -> `KZ`."""
    return str(value or "").strip().upper()


def validate_country_code(code: str) -> None:
    """An ISO 3166 alpha-2 code of a country django-countries knows (Kosovo's XK included)."""
    from django_countries import countries

    if code and code not in dict(countries):
        raise ValidationError(
            _("%(code)s is not an ISO 3166 country code (such as KZ, AZ, PL)."),
            code="invalid_country",
            params={"code": code},
        )


def clean_names(value: object) -> dict[str, str]:
    """Names in other languages as stored: {language code: name}, codes lower-cased, runs of
    spaces made one, the empty ones left out. ValidationError (on `names`) for anything
    else."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(
            {"names": _("Give the other names as {language code: name}, e.g. {“ru”: “…”}.")}
        )
    names = {}
    for language, name in value.items():
        code = str(language or "").strip().lower()
        text = " ".join(str(name or "").split())
        if not text:
            continue
        if not code or len(code) > 10:
            raise ValidationError(
                {
                    "names": _("“%(code)s” is not a language code such as ru, kk or az.")
                    % {"code": code}
                }
            )
        names[code] = text
    return names
