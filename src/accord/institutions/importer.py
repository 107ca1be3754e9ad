"""Seeding the register from the World Universities and Domains list (data/ in the package).

The file is a JSON list of {"name", "domains", "web_pages", "alpha_two_code", "country",
"state-province"}. An institution is matched by its domain: the SCHAC code is the row's first
domain, lower-cased, or the domain it lies under when the row also lists that one
("student.wab.edu.pl" and "wab.edu.pl" give "wab.edu.pl"). Rows are checked first; bad rows
are reported with their number and reason and left out; the good ones are written in one
transaction, new institutions in batches. Running the same file again changes nothing.

The list does not undo what people do in Accord. Each institution keeps what the list last
gave for its name, country and website (`Institution.imported`); an import changes a field
only while it still holds that value, and otherwise keeps the edit (emptying a field is one)
and counts the institution as `kept`. An institution created by hand has no such record: the
list only fills in what it leaves empty.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django_countries import countries

from accord.core.models import AuditEvent, User
from accord.core.validators import normalize_schac_code, validate_schac_code

from .models import Institution, InstitutionKind
from .services import RESERVED_SLUGS, slug_base, unique_slug

DEFAULT_FILE = (
    Path(__file__).resolve().parent.parent / "data" / "world_universities_and_domains.json"
)
BATCH_SIZE = 500
NUL = "\x00"
IMPORTED_FIELDS = ("name", "country", "website")

_name_max = Institution._meta.get_field("name").max_length or 300
_website_max = Institution._meta.get_field("website").max_length or 300
_url_validator = URLValidator()


class ImportFileError(Exception):
    """The file cannot be read as a list of institutions at all."""


@dataclass(frozen=True)
class SkippedRow:
    row: int  # 1-based position in the file
    name: str
    reason: str


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Institutions where the list differs from an edit made in Accord, which was kept.
    kept: int = 0
    skipped: list[SkippedRow] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    number: int
    name: str
    country: str
    schac_code: str
    website: str
    # All of the row's domains, lower-cased: an institution imported before under another
    # of them is still this one.
    domains: tuple[str, ...] = ()

    @property
    def given(self) -> dict[str, str]:
        """What the list gives for the fields it keeps up to date."""
        return {name: getattr(self, name) for name in IMPORTED_FIELDS}


@dataclass(frozen=True)
class _Existing:
    pk: int
    name: str
    names: dict[str, str]
    country: str
    website: str
    imported: dict[str, str]

    def merged(self, row: _Row) -> tuple[dict[str, list[str]], bool]:
        """The fields the row changes ({name: [before, after]}), and whether it leaves out
        one that was edited in Accord. A field takes the row's value when it still holds
        what the list gave last time, or, never given by the list, is empty."""
        changes, kept = {}, False
        for name in IMPORTED_FIELDS:
            current, listed = getattr(self, name), getattr(row, name)
            if current == listed:
                continue
            given = self.imported.get(name)
            if current == given or (given is None and not current):
                changes[name] = [current, listed]
            else:
                kept = True
        return changes, kept


def load_rows(path: Path | str) -> list[Any]:
    """The file's rows; ImportFileError with a clear message when it is not such a file."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFileError(f"{path}: cannot be read ({error}).") from None
    except json.JSONDecodeError as error:
        raise ImportFileError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    if not isinstance(data, list):
        raise ImportFileError(f"{path}: expected a JSON list of institutions.")
    return data


def _check_row(number: int, raw: Any, known_countries: set[str]) -> _Row | SkippedRow:
    if not isinstance(raw, dict):
        return SkippedRow(number, "", "not an object with name, domains and alpha_two_code")
    name = " ".join(str(raw.get("name") or "").split())
    if any(_holds_nul(raw.get(key)) for key in ("name", "alpha_two_code", "domains", "web_pages")):
        # PostgreSQL cannot store it; SQLite would keep a name no one can type.
        return SkippedRow(number, name.replace(NUL, ""), "a null character (U+0000) in the row")
    if not name:
        return SkippedRow(number, "", "the name is missing")
    if len(name) > _name_max:
        return SkippedRow(number, name[:80], f"the name is longer than {_name_max} characters")
    country = str(raw.get("alpha_two_code") or "").strip().upper()
    if country not in known_countries:
        reason = f"unknown country code “{country}”" if country else "the country code is missing"
        return SkippedRow(number, name, reason)
    domains = raw.get("domains")
    if not isinstance(domains, list) or not domains or not str(domains[0]).strip():
        return SkippedRow(number, name, "no domain")
    all_domains = tuple(normalize_schac_code(str(domain)) for domain in domains)
    schac_code = _main_domain(all_domains)
    try:
        validate_schac_code(schac_code)
    except ValidationError as error:
        return SkippedRow(number, name, f"invalid domain “{domains[0]}”: {error.messages[0]}")
    web_pages = raw.get("web_pages")
    website = str(web_pages[0]).strip() if isinstance(web_pages, list) and web_pages else ""
    if website:
        try:
            _url_validator(website)
            if len(website) > _website_max:
                raise ValidationError("too long")
        except ValidationError:
            return SkippedRow(number, name, f"invalid web page “{website[:100]}”")
    return _Row(number, name, country, schac_code, website, all_domains)


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    return isinstance(value, list) and any(_holds_nul(item) for item in value)


def _main_domain(domains: tuple[str, ...]) -> str:
    """The first domain, or the shortest of the others it lies under: the list names some
    universities by their students' mail domain first."""
    first = domains[0]
    parents = [domain for domain in domains[1:] if domain and first.endswith(f".{domain}")]
    return min(parents, key=len) if parents else first


def import_institutions(
    rows: list[Any],
    *,
    actor: User | None = None,
    source: str = "",
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Create or update the institutions of `rows`; see the module's description.

    `on_progress(n)` is called as each `n` rows are done. With `dry_run` nothing is kept.
    """
    advance = on_progress or (lambda amount: None)
    report = ImportReport(total=len(rows))
    known_countries = {country.code for country in countries}

    good: list[_Row] = []
    first_row_of: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        checked = _check_row(number, raw, known_countries)
        if isinstance(checked, _Row) and checked.schac_code in first_row_of:
            checked = SkippedRow(
                number,
                checked.name,
                f"duplicate domain “{checked.schac_code}” "
                f"(already in row {first_row_of[checked.schac_code]})",
            )
        if isinstance(checked, SkippedRow):
            report.skipped.append(checked)
            continue
        first_row_of[checked.schac_code] = number
        good.append(checked)
    advance(len(report.skipped))

    with transaction.atomic():
        existing = {
            schac_code: _Existing(pk, name, names, country, website, imported)
            for pk, schac_code, name, names, country, website, imported in (
                Institution.objects.filter(schac_code__isnull=False).values_list(
                    "pk", "schac_code", "name", "names", "country", "website", "imported"
                )
            )
        }
        to_create: list[_Row] = []
        to_update: list[tuple[Institution, dict[str, list[Any]]]] = []
        matched: set[int] = set()
        for row in good:
            found = existing.get(row.schac_code) or next(
                (existing[domain] for domain in row.domains if domain in existing), None
            )
            if found is None:
                to_create.append(row)
                continue
            if found.pk in matched:
                report.skipped.append(
                    SkippedRow(row.number, row.name, "an earlier row names the same institution")
                )
                advance(1)
                continue
            matched.add(found.pk)
            changes, kept = found.merged(row)
            report.kept += kept
            if changes or found.imported != row.given:
                # Written also when only what the list gives changed: the next import
                # compares with it.
                to_update.append((_updated_institution(found, row, changes), changes))
            else:
                report.unchanged += 1
        advance(report.unchanged)

        for batch in _batches(to_update, BATCH_SIZE):
            Institution.objects.bulk_update(
                [institution for institution, _ in batch],
                [*IMPORTED_FIELDS, "search_text", "imported"],
            )
            changed = [(institution, changes) for institution, changes in batch if changes]
            _audit(changed, actor=actor, action="institution.updated")
            report.updated += len(changed)
            report.unchanged += len(batch) - len(changed)
            advance(len(batch))

        taken = set(Institution.objects.values_list("slug", flat=True)) | RESERVED_SLUGS
        for batch in _batches(to_create, BATCH_SIZE):
            created = Institution.objects.bulk_create(
                [_new_institution(row, taken) for row in batch]
            )
            _audit(
                [(institution, _imported_changes(institution, source)) for institution in created],
                actor=actor,
                action="institution.imported",
            )
            report.created += len(created)
            advance(len(batch))

        if dry_run:
            transaction.set_rollback(True)
    return report


def _updated_institution(found: _Existing, row: _Row, changes: dict[str, list[str]]) -> Institution:
    """The existing institution with the row's `changes` and what the list gives recorded,
    ready for bulk_update."""
    values = {
        name: changes[name][1] if name in changes else getattr(found, name)
        for name in IMPORTED_FIELDS
    }
    institution = Institution(pk=found.pk, names=found.names, imported=row.given, **values)
    institution.search_text = institution.compute_search_text()
    return institution


def _new_institution(row: _Row, taken: set[str]) -> Institution:
    slug = unique_slug(slug_base(row.name, row.schac_code), taken)
    taken.add(slug)
    institution = Institution(
        slug=slug,
        name=row.name,
        names={},
        kind=InstitutionKind.UNIVERSITY,
        country=row.country,
        website=row.website,
        schac_code=row.schac_code,
        imported=row.given,
    )
    institution.search_text = institution.compute_search_text()
    return institution


def _imported_changes(institution: Institution, source: str) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "name": [None, institution.name],
        "country": [None, institution.country.code],
        "schac_code": [None, institution.schac_code],
    }
    if institution.website:
        changes["website"] = [None, institution.website]
    if source:
        changes["source"] = source
    return changes


def _audit(
    items: Iterable[tuple[Institution, dict[str, Any]]], *, actor: User | None, action: str
) -> None:
    target_type = ContentType.objects.get_for_model(Institution)
    events = []
    for institution, changes in items:
        if institution.pk is None:
            raise RuntimeError("bulk_create did not return primary keys")
        events.append(
            AuditEvent(
                actor=actor if actor is not None and actor.is_authenticated else None,
                action=action,
                target_type=target_type,
                target_id=str(institution.pk),
                target_repr=institution.name[:300],
                changes=changes,
            )
        )
    AuditEvent.objects.bulk_create(events)


def _batches(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
