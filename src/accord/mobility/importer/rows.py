"""Checking one row of an import file and turning it into a mobility's field values.

Everything a row refers to (institutions, units, agreements, codes) is looked up in dicts loaded
once per file, never with a query per row. The checks forms and the API apply
(`mobility_problems`) apply to every row as well.
"""

import datetime as dt
import re
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django_countries import countries

from accord.agreements.models import AgreementParty
from accord.core.validators import normalize_ror_id
from accord.institutions.models import Institution, Unit

from ..checks import academic_year_of, mobility_problems
from ..models import Funding, Mobility, MobilityKind, MobilityStatus, PersonKind
from .layout import COLUMN_NAMES, REQUIRED_COLUMNS, header_key
from .reading import ImportFileError

Problems = list[tuple[str, str]]

# The fields an import writes; a re-imported row whose values all equal these is unchanged.
IMPORTED_FIELDS = (
    "person_kind",
    "given_names",
    "family_name",
    "email",
    "birth_date",
    "nationality",
    "esi",
    "home_unit_id",
    "host_institution_id",
    "host_unit_id",
    "home_country",
    "host_country",
    "kind",
    "eqf_level",
    "isced_code",
    "start_date",
    "end_date",
    "academic_year",
    "funding",
    "programme",
    "agreement_id",
    "status",
    "returned_home",
    "returned_on",
    "employer",
)

_AMBIGUOUS = -1
FOUND_CACHE_SIZE = 50_000
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


def _max_length(name: str) -> int:
    return int(getattr(Mobility._meta.get_field(name), "max_length", 0) or 0)


TEXT_LIMITS = {
    name: _max_length(name)
    for name in ("external_id", "given_names", "family_name", "email", "esi", "programme")
}
TEXT_LIMITS["employer"] = _max_length("employer")


def column_positions(header: Sequence[Any]) -> dict[str, int]:
    """{column name: position} from the header row; ImportFileError naming the columns that
    are missing, unknown or repeated."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for position, cell in enumerate(header):
        key = header_key(cell)
        if not key:
            continue
        if key not in COLUMN_NAMES:
            unknown.append(str(cell).strip())
        elif key in positions:
            repeated.append(key)
        else:
            positions[key] = position
    problems = []
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        problems.append(
            _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    if unknown:
        problems.append(
            _("Unknown columns: %(columns)s (the layout names %(known)s).")
            % {"columns": ", ".join(unknown), "known": ", ".join(COLUMN_NAMES)}
        )
    if repeated:
        problems.append(
            _("Columns given twice: %(columns)s.") % {"columns": ", ".join(sorted(set(repeated)))}
        )
    if problems:
        raise ImportFileError(
            " ".join(problems)
            + " "
            + _("The first row must name the columns; download the template to see the layout."),
            field="columns",
        )
    return positions


_EMAIL_USER = re.compile(validate_email.user_regex.pattern, validate_email.user_regex.flags)
_EMAIL_DOMAIN = re.compile(validate_email.domain_regex.pattern, validate_email.domain_regex.flags)


def _plainly_valid_email(value: str) -> bool:
    """True for the addresses Django's validate_email accepts by its two main patterns; the
    rest go through validate_email itself (IP literals, whitelisted domains, errors)."""
    user, at, domain = value.rpartition("@")
    return bool(at and _EMAIL_USER.match(user) and _EMAIL_DOMAIN.match(domain))


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell).strip()


class Lookups:
    """Institutions, units and agreements of the whole register, read once per file."""

    def __init__(self, home: Institution) -> None:
        self.home = home
        self.by_schac: dict[str, int] = {}
        self.by_ror: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.by_folded_name: dict[str, int] = {}
        self.country: dict[int, str] = {}
        for pk, name, schac_code, ror_id, country in Institution.objects.values_list(
            "pk", "name", "schac_code", "ror_id", "country"
        ):
            self.country[pk] = str(country)
            if schac_code:
                self.by_schac[schac_code.lower()] = pk
            if ror_id:
                self.by_ror[ror_id.lower()] = pk
            for names, key in ((self.by_name, name), (self.by_folded_name, name.casefold())):
                names[key] = pk if names.get(key, pk) == pk else _AMBIGUOUS
        self._units: dict[int, dict[str, int]] = {}
        self.agreement_parties: dict[int, set[int]] = {}
        for agreement_id, institution_id in AgreementParty.objects.filter(
            agreement__in=AgreementParty.objects.filter(institution=home).values("agreement")
        ).values_list("agreement_id", "institution_id"):
            self.agreement_parties.setdefault(agreement_id, set()).add(institution_id)
        self.countries = {code for code, _name in countries}
        # What each distinct cell value named: files repeat a few hundred hosts many times.
        self._found: dict[str, int | None] = {}

    def institution(self, value: str) -> int | None:
        """The id of the institution `value` names, _AMBIGUOUS, or None when none."""
        try:
            return self._found[value]
        except KeyError:
            found = self._find(value)
        if len(self._found) < FOUND_CACHE_SIZE:
            self._found[value] = found
        return found

    def _find(self, value: str) -> int | None:
        found = self.by_schac.get(value.lower().rstrip("."))
        if found is None:
            found = self.by_ror.get(normalize_ror_id(value))
        if found is None:
            found = self.by_name.get(" ".join(value.split()))
        if found is None:
            found = self.by_folded_name.get(" ".join(value.split()).casefold())
        return found

    def unit(self, institution_id: int, name: str) -> int | None:
        units = self._units_of(institution_id)
        return units.get(name, units.get(name.casefold()))

    def _units_of(self, institution_id: int) -> dict[str, int]:
        units = self._units.get(institution_id)
        if units is None:
            units = {}
            for pk, unit_name in Unit.objects.filter(institution_id=institution_id).values_list(
                "pk", "name"
            ):
                units[unit_name] = pk
                units.setdefault(unit_name.casefold(), pk)
            self._units[institution_id] = units
        return units

    def same_as(self, other: "Lookups") -> bool:
        """Whether `other` (read later) finds what this found: then a row checked against
        this one would be checked alike against `other`."""
        return (
            self.home.pk == other.home.pk
            and self.by_schac == other.by_schac
            and self.by_ror == other.by_ror
            and self.by_name == other.by_name
            and self.by_folded_name == other.by_folded_name
            and self.country == other.country
            and self.agreement_parties == other.agreement_parties
            and all(
                units == other._units_of(institution_id)
                for institution_id, units in self._units.items()
            )
        )


class RowChecker:
    """`check(cells)` -> (values for a Mobility, problems as [(field, message)])."""

    def __init__(
        self, lookups: Lookups, positions: dict[str, int], today: dt.date | None = None
    ) -> None:
        self.lookups = lookups
        self.home = lookups.home
        self.home_country = str(lookups.home.country)
        self.today = today or dt.date.today()
        self.positions = positions
        self.kinds = set(MobilityKind.values)
        self.fundings = set(Funding.values)
        self.statuses = set(MobilityStatus.values)
        self.person_kinds = set(PersonKind.values)
        self._slots = [(name, positions.get(name)) for name in COLUMN_NAMES]
        self._present = [name for name in COLUMN_NAMES if name in positions]
        self._absent = {name: "" for name in COLUMN_NAMES if name not in positions}
        self._getter = itemgetter(*(positions[name] for name in self._present))
        self._last_position = max(positions.values())

    def cells_by_name(self, cells: Sequence[Any]) -> dict[str, str]:
        if len(cells) > self._last_position:
            # The common case, a complete row of a CSV file: every cell is text.
            values = self._getter(cells)
            try:
                raw = {name: cell.strip() for name, cell in zip(self._present, values, strict=True)}
            except AttributeError:  # a spreadsheet's numbers, dates and empty cells
                raw = {name: _text(cell) for name, cell in zip(self._present, values, strict=True)}
            raw.update(self._absent)
            return raw
        width = len(cells)
        return {
            name: _text(cells[position]) if position is not None and position < width else ""
            for name, position in self._slots
        }

    def check(self, cells: Sequence[Any]) -> tuple[dict[str, Any], Problems]:
        raw = self.cells_by_name(cells)
        problems: Problems = []
        add = problems.append
        values: dict[str, Any] = {}

        if "\x00" in "".join(raw.values()):  # one test per row; the cells only when it fails
            for name, value in raw.items():
                if "\x00" in value:
                    add((name, _("The value holds a NUL character, which no text may hold.")))
                    raw[name] = value.replace("\x00", "")
        for name in REQUIRED_COLUMNS:
            if not raw[name]:
                add((name, _("This value is required.")))
        for name, limit in TEXT_LIMITS.items():
            if len(raw[name]) > limit:
                add(
                    (
                        name,
                        _("At most %(limit)s characters; this has %(length)s.")
                        % {"limit": limit, "length": len(raw[name])},
                    )
                )
            values[name] = raw[name]

        values["person_kind"] = self._choice(
            raw, "person_kind", self.person_kinds, PersonKind.STUDENT, add
        )
        values["kind"] = self._choice(raw, "kind", self.kinds, "", add)
        values["funding"] = self._choice(raw, "funding", self.fundings, "", add)
        values["status"] = self._choice(raw, "status", self.statuses, MobilityStatus.PLANNED, add)

        email = raw["email"]
        if email and len(email) <= TEXT_LIMITS["email"] and not _plainly_valid_email(email):
            try:
                validate_email(email)
            except ValidationError:
                add(("email", _("%(value)s is not an e-mail address.") % {"value": email}))

        for name in ("birth_date", "start_date", "end_date", "returned_on"):
            values[name] = self._date(raw, name, add)

        nationality = raw["nationality"].upper()
        if nationality and nationality not in self.lookups.countries:
            add(
                (
                    "nationality",
                    _("%(value)s is not an ISO 3166 two-letter country code (e.g. KZ).")
                    % {"value": raw["nationality"]},
                )
            )
        values["nationality"] = nationality
        values["isced_code"] = raw["isced_code"]

        values["eqf_level"] = None
        if raw["eqf_level"]:
            try:
                values["eqf_level"] = int(raw["eqf_level"])
            except ValueError:
                add(
                    (
                        "eqf_level",
                        _("EQF levels are 1 to 8; %(value)s is not one.")
                        % {"value": raw["eqf_level"]},
                    )
                )

        returned = raw["returned_home"].lower()
        values["returned_home"] = None
        if returned in _TRUE:
            values["returned_home"] = True
        elif returned in _FALSE:
            values["returned_home"] = False
        elif returned:
            add(("returned_home", _("Write yes or no, or leave it blank if unknown.")))

        self._institutions(raw, values, add)
        self._agreement(raw, values, add)

        problems.extend(
            mobility_problems(
                start_date=values["start_date"],
                end_date=values["end_date"],
                home_institution_id=self.home.pk,
                host_institution_id=values.get("host_institution_id"),
                eqf_level=values["eqf_level"],
                isced_code=values["isced_code"],
                birth_date=values["birth_date"],
                funding=values.get("funding") or "",
                has_agreement=bool(raw["agreement"]),
                today=self.today,
            ).items()
        )
        self._return(values, add)
        if values["start_date"]:
            values["academic_year"] = academic_year_of(values["start_date"])
        return values, problems

    def _choice(
        self, raw: dict[str, str], name: str, allowed: set[str], default: str, add: Any
    ) -> str:
        value = raw[name].lower()
        if not value:
            return default
        if value not in allowed:
            add(
                (
                    name,
                    _("%(value)s is not one of %(allowed)s.")
                    % {"value": raw[name], "allowed": ", ".join(sorted(allowed))},
                )
            )
        return value

    def _date(self, raw: dict[str, str], name: str, add: Any) -> dt.date | None:
        value = raw[name]
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value[:10] if "T" in value else value)
        except ValueError:
            add((name, _("%(value)s is not a date as YYYY-MM-DD.") % {"value": value}))
            return None

    def _institutions(self, raw: dict[str, str], values: dict[str, Any], add: Any) -> None:
        lookups = self.lookups
        home_value = raw["home_institution"]
        if home_value and lookups.institution(home_value) != self.home.pk:
            add(
                (
                    "home_institution",
                    _(
                        "This file is imported for %(home)s; the row names %(value)s. Import "
                        "each home institution's mobilities separately."
                    )
                    % {"home": self.home.name, "value": home_value},
                )
            )
        values["home_country"] = self.home_country
        values["home_unit_id"] = None
        if raw["home_unit"]:
            values["home_unit_id"] = lookups.unit(self.home.pk, raw["home_unit"])
            if values["home_unit_id"] is None:
                add(("home_unit", self._no_unit(raw["home_unit"], self.home.name)))

        host_value = raw["host_institution"]
        values["host_institution_id"] = None
        values["host_country"] = ""
        values["host_unit_id"] = None
        if not host_value:
            return
        host = lookups.institution(host_value)
        if host is None:
            add(
                (
                    "host_institution",
                    _(
                        "No institution has the SCHAC code, ROR id or name %(value)s; add it "
                        "to the register first, or check the spelling."
                    )
                    % {"value": host_value},
                )
            )
            return
        if host == _AMBIGUOUS:
            add(
                (
                    "host_institution",
                    _(
                        "Several institutions are named %(value)s; give the SCHAC code or ROR "
                        "id instead."
                    )
                    % {"value": host_value},
                )
            )
            return
        values["host_institution_id"] = host
        values["host_country"] = lookups.country[host]
        if raw["host_unit"]:
            values["host_unit_id"] = lookups.unit(host, raw["host_unit"])
            if values["host_unit_id"] is None:
                add(("host_unit", self._no_unit(raw["host_unit"], host_value)))

    @staticmethod
    def _no_unit(name: str, institution: str) -> str:
        return _("%(institution)s has no unit named %(value)s.") % {
            "institution": institution,
            "value": name,
        }

    def _agreement(self, raw: dict[str, str], values: dict[str, Any], add: Any) -> None:
        value = raw["agreement"]
        values["agreement_id"] = None
        if not value:
            return
        try:
            agreement_id = int(value)
        except ValueError:
            add(("agreement", _("%(value)s is not an agreement id (a number).") % {"value": value}))
            return
        parties = self.lookups.agreement_parties.get(agreement_id)
        if parties is None:
            add(
                (
                    "agreement",
                    _("%(home)s is not a party to an agreement with id %(value)s.")
                    % {"home": self.home.name, "value": value},
                )
            )
            return
        host = values.get("host_institution_id")
        if host and host not in parties:
            add(
                (
                    "agreement",
                    _("The host institution is not a party to agreement %(value)s.")
                    % {"value": value},
                )
            )
            return
        values["agreement_id"] = agreement_id

    def _return(self, values: dict[str, Any], add: Any) -> None:
        returned_on = values["returned_on"]
        if returned_on is None:
            return
        if values["returned_home"] is False:
            add(("returned_on", _("A return date needs returned_home to be yes.")))
        elif values["start_date"] and returned_on < values["start_date"]:
            add(("returned_on", _("The return cannot be before the start.")))
        elif returned_on > self.today:
            add(("returned_on", _("The return cannot be in the future.")))
