"""Synthetic institutions, agreements and mobilities at scale, for benchmarks and load tests.

Rows are written with `bulk_create` in batches, not through the services: at 100,000
agreements one service call (and one audit event) per row would take an hour instead of a
minute. Generated data therefore has no audit events and no documents; everything else a
page or the API reads is set, including `search_text`. The same seed and the same starting
database give the same rows (dates are relative to `today`).
"""

import csv
import datetime as dt
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from accord.agreements.models import (
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    Provision,
    ProvisionKind,
)
from accord.institutions.models import Institution, InstitutionKind

# Country -> (cities, local-language code, local word for "university").
COUNTRIES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "KZ": (
        ("Almaty", "Astana", "Shymkent", "Karaganda", "Aktobe", "Pavlodar"),
        "kk",
        "университеті",
    ),
    "AZ": (("Baku", "Ganja", "Sumgait", "Lankaran", "Nakhchivan"), "az", "Universiteti"),
    "PL": (
        ("Warsaw", "Krakow", "Poznan", "Wroclaw", "Gdansk", "Lodz", "Lublin"),
        "pl",
        "Uniwersytet",
    ),
    "RU": (
        ("Moscow", "Saint Petersburg", "Kazan", "Novosibirsk", "Tomsk", "Omsk"),
        "ru",
        "университет",
    ),
    "TR": (("Ankara", "Istanbul", "Izmir", "Bursa", "Konya", "Erzurum"), "tr", "Üniversitesi"),
    "DE": (("Berlin", "Munich", "Hamburg", "Leipzig", "Heidelberg", "Bonn"), "de", "Universität"),
    "GB": (("London", "Manchester", "Leeds", "Bristol", "Glasgow", "York"), "en", "University"),
    "US": (("Boston", "Chicago", "Austin", "Denver", "Seattle", "Madison"), "en", "University"),
    "UZ": (("Tashkent", "Samarkand", "Bukhara", "Namangan", "Andijan"), "uz", "universiteti"),
    "KG": (("Bishkek", "Osh", "Karakol", "Jalal-Abad"), "ky", "университети"),
    "CN": (("Beijing", "Shanghai", "Xi'an", "Urumqi", "Wuhan", "Nanjing"), "zh", "大学"),
    "KR": (("Seoul", "Busan", "Daejeon", "Incheon", "Daegu"), "ko", "대학교"),
    "FR": (("Paris", "Lyon", "Strasbourg", "Toulouse", "Bordeaux", "Lille"), "fr", "Université"),
    "IT": (("Rome", "Milan", "Bologna", "Padua", "Turin", "Naples"), "it", "Università"),
    "ES": (("Madrid", "Barcelona", "Valencia", "Seville", "Salamanca"), "es", "Universidad"),
    "CZ": (("Prague", "Brno", "Olomouc", "Ostrava"), "cs", "Univerzita"),
    "HU": (("Budapest", "Debrecen", "Szeged", "Pecs"), "hu", "Egyetem"),
    "LT": (("Vilnius", "Kaunas", "Klaipeda"), "lt", "universitetas"),
    "LV": (("Riga", "Daugavpils", "Jelgava"), "lv", "universitāte"),
    "GE": (("Tbilisi", "Batumi", "Kutaisi"), "ka", "უნივერსიტეტი"),
    "JP": (("Tokyo", "Osaka", "Kyoto", "Sendai", "Sapporo"), "ja", "大学"),
    "IN": (("Delhi", "Mumbai", "Bangalore", "Chennai", "Pune"), "en", "University"),
    "AE": (("Abu Dhabi", "Dubai", "Sharjah"), "ar", "جامعة"),
    "FI": (("Helsinki", "Turku", "Tampere", "Oulu"), "fi", "yliopisto"),
    "NL": (("Amsterdam", "Leiden", "Utrecht", "Delft", "Groningen"), "nl", "Universiteit"),
}
SUBJECTS = (
    "Technology",
    "Economics",
    "Agriculture",
    "Medicine",
    "Pedagogy",
    "Engineering",
    "Humanities",
    "Natural Sciences",
    "Architecture",
    "Oil and Gas",
    "Transport",
    "Information Technology",
    "Law",
    "Languages",
    "Arts",
    "Management",
    "Physics",
    "Chemistry",
    "Mathematics",
    "Geology",
)
EPITHETS = (
    "State",
    "National",
    "Technical",
    "Federal",
    "Polytechnic",
    "International",
    "Pedagogical",
)
PATTERNS = (
    "{city} {epithet} University",
    "University of {city}",
    "{city} University of {subject}",
    "{epithet} University of {subject}, {city}",
    "{city} Institute of {subject}",
    "{city} {epithet} Academy",
)
INSTITUTION_KINDS = (
    (InstitutionKind.UNIVERSITY, 80),
    (InstitutionKind.RESEARCH_INSTITUTE, 10),
    (InstitutionKind.ACADEMY, 4),
    (InstitutionKind.MINISTRY, 2),
    (InstitutionKind.FOUNDATION, 2),
    (InstitutionKind.OTHER, 2),
)
AGREEMENT_KINDS = (
    (AgreementKind.MOU, 35),
    (AgreementKind.BILATERAL_EXCHANGE, 35),
    (AgreementKind.FRAMEWORK, 15),
    (AgreementKind.JOINT_DEGREE, 10),
    (AgreementKind.AMENDMENT, 5),
)
STATUSES = (
    (AgreementStatus.ACTIVE, 45),
    (AgreementStatus.EXPIRED, 15),
    (AgreementStatus.TERMINATED, 8),
    (AgreementStatus.DRAFT, 12),
    (AgreementStatus.NEGOTIATION, 12),
    (AgreementStatus.SIGNING, 8),
)
KIND_TITLES = {
    AgreementKind.MOU: ("Memorandum of understanding", "Меморандум о взаимопонимании"),
    AgreementKind.FRAMEWORK: (
        "Framework agreement on cooperation",
        "Рамочное соглашение о сотрудничестве",
    ),
    AgreementKind.BILATERAL_EXCHANGE: (
        "Inter-institutional agreement on exchange",
        "Соглашение об академическом обмене",
    ),
    AgreementKind.JOINT_DEGREE: ("Double degree agreement", "Соглашение о двойном дипломе"),
    AgreementKind.AMENDMENT: (
        "Amendment to the cooperation agreement",
        "Дополнение к соглашению о сотрудничестве",
    ),
}
TAGS = ("erasmus+", "research", "students", "staff", "summer school", "phd", "language", "culture")
LANGUAGES = ("en", "ru", "kk", "pl", "az", "de", "fr", "tr")
SIGNATORY_FIRST = (
    "Aigerim",
    "Nurlan",
    "Elnur",
    "Leyla",
    "Anna",
    "Piotr",
    "John",
    "Maria",
    "Murat",
    "Hans",
    "Claire",
    "Dilnoza",
    "Jin",
    "Olga",
    "Emre",
    "Sarah",
)
SIGNATORY_LAST = (
    "Abenova",
    "Seitkali",
    "Mammadov",
    "Aliyeva",
    "Nowak",
    "Kowalski",
    "Smith",
    "Ivanova",
    "Yilmaz",
    "Schmidt",
    "Martin",
    "Karimova",
    "Park",
    "Petrova",
    "Kaya",
)
POSITIONS = ("Rector", "President", "Vice-Rector for International Affairs", "Director")
PROVISION_KINDS = (
    (ProvisionKind.MOBILITY, 40),
    (ProvisionKind.JOINT_RESEARCH, 20),
    (ProvisionKind.JOINT_EVENTS, 15),
    (ProvisionKind.SCHOLARSHIP, 10),
    (ProvisionKind.CENTER_ACCESS, 10),
    (ProvisionKind.CULTURAL_CENTER, 5),
)
CEFR = ("B1", "B2", "C1")


def isced_codes() -> list[str]:
    """The detailed (four-digit) ISCED-F 2013 field codes."""
    path = settings.PACKAGE_DIR / "data" / "isced-f-2013.csv"
    with path.open(encoding="utf-8") as fh:
        return [row["code"] for row in csv.DictReader(fh) if row["level"] == "detailed"]


def academic_year(start: dt.date) -> str:
    first = start.year if start.month >= 9 else start.year - 1
    return f"{first}/{first + 1}"


class Progress(Protocol):
    def write(self, text: str, /) -> Any: ...
    def flush(self) -> Any: ...


class _Weighted:
    """Fast repeated weighted choice from (value, weight) pairs."""

    def __init__(self, pairs: tuple[tuple[Any, int], ...] | list[tuple[Any, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cum = list(accumulate(weight for _, weight in pairs))

    def pick(self, rng: random.Random) -> Any:
        return rng.choices(self.values, cum_weights=self.cum)[0]


@dataclass
class GenerateResult:
    institutions: int
    agreements: int
    parties: int
    provisions: int
    mobilities: int = 0
    obligations: int = 0


def provision_terms(
    rng: random.Random,
    kind: str,
    party_ids: list[int],
    start: dt.date,
    fields: list[str],
) -> dict[str, Any]:
    """Terms of one provision of `kind`, as `provision_terms_clean` would return them."""
    if kind == ProvisionKind.MOBILITY:
        sending, receiving = rng.sample(party_ids, 2)
        staff = rng.random() < 0.25
        first = academic_year(start)
        first_year = int(first[:4])
        last_year = first_year + rng.randint(0, 4)
        language = rng.choice(("en", "en", "en", "ru", "pl", "de", "tr"))
        return {
            "sending_institution": sending,
            "receiving_institution": receiving,
            "mobility_type": rng.choice(
                ("staff_teaching", "staff_training")
                if staff
                else ("student_studies",) * 4 + ("student_traineeship",)
            ),
            "places_per_year": rng.randint(1, 10),
            "total_months": None if staff else rng.choice((5, 10, 20, 25, 30, 50)),
            "total_days": rng.choice((5, 10, 15, 20)) if staff else None,
            "blended": rng.random() < 0.1,
            "isced_code": rng.choice(fields),
            "isced_clarification": "",
            "eqf_levels": sorted(rng.sample([5, 6, 7, 8], rng.randint(1, 3))),
            "language": language,
            "cefr_level": rng.choice(CEFR),
            "academic_year_from": first,
            "academic_year_to": f"{last_year}/{last_year + 1}",
        }
    if kind == ProvisionKind.JOINT_RESEARCH:
        subject = rng.choice(SUBJECTS).lower()
        return {"topic": f"Joint research in {subject}", "description": ""}
    if kind == ProvisionKind.JOINT_EVENTS:
        return {
            "description": rng.choice(
                ("Joint conferences and seminars", "Summer schools", "Joint scientific conference")
            ),
            "events_per_year": rng.randint(1, 4),
        }
    if kind == ProvisionKind.SCHOLARSHIP:
        return {
            "programme": f"Scholarships in {rng.choice(SUBJECTS).lower()}",
            "places_per_year": rng.randint(1, 20),
            "stipend_amount": rng.choice((500, 800, 1000, 1200)),
            "currency": "EUR",
            "months": rng.choice((None, 5, 10, 12)),
        }
    if kind == ProvisionKind.CENTER_ACCESS:
        return {
            "unit_ids": [],
            "centers": [f"{rng.choice(SUBJECTS)} research center"],
            "hours_per_year": rng.choice((40, 80, 120, 200)),
            "days_per_year": None,
        }
    return {
        "name": "Center of language and culture",
        "unit_id": None,
        "description": "Cultural events and language courses",
    }


class Generator:
    def __init__(
        self,
        *,
        seed: int = 1,
        batch_size: int = 5000,
        today: dt.date | None = None,
        progress: Progress | None = None,
        terms: Callable[..., dict[str, Any]] = provision_terms,
    ) -> None:
        self.rng = random.Random(seed)
        self.batch_size = batch_size
        self.today = today or dt.date.today()
        self.progress = progress
        self.terms = terms
        self.fields = isced_codes()

    def _say(self, what: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress.write(f"  {what}: {done:,}/{total:,}\n")
            self.progress.flush()

    def institutions(self, count: int) -> int:
        rng = self.rng
        start = Institution.objects.count()
        countries = list(COUNTRIES)
        kinds = _Weighted(INSTITUTION_KINDS)
        created = 0
        while created < count:
            rows = []
            for number in range(start + created, start + min(created + self.batch_size, count)):
                country = rng.choice(countries)
                cities, language, local_word = COUNTRIES[country]
                city = rng.choice(cities)
                name = rng.choice(PATTERNS).format(
                    city=city, epithet=rng.choice(EPITHETS), subject=rng.choice(SUBJECTS)
                )
                names = {language: f"{city} {local_word}"} if language != "en" else {}
                base = slugify(name)[:80]
                domain = f"{base.replace('-', '')[:40]}{number}.{country.lower()}.example.org"
                institution = Institution(
                    slug=f"{base}-g{number}",
                    name=name,
                    names=names,
                    kind=kinds.pick(rng),
                    country=country,
                    city=city,
                    website=f"https://{domain}/",
                    schac_code=domain,
                )
                institution.search_text = institution.compute_search_text()
                rows.append(institution)
            with transaction.atomic():
                Institution.objects.bulk_create(rows, batch_size=self.batch_size)
            created += len(rows)
            self._say("institutions", created, count)
        return created

    def agreements(self, count: int) -> tuple[int, int, int]:
        rng = self.rng
        pool = list(Institution.objects.order_by("id").values_list("id", "name"))
        if len(pool) < 2:
            raise ValueError("At least two institutions are needed to generate agreements.")
        # A few institutions are party to many agreements, most to a few (a long tail).
        order = list(range(len(pool)))
        rng.shuffle(order)
        popularity = _Weighted([(pool[i], 1.0 / (rank + 1) ** 0.7) for rank, i in enumerate(order)])
        kinds = _Weighted(AGREEMENT_KINDS)
        statuses = _Weighted(STATUSES)
        provision_kinds = _Weighted(PROVISION_KINDS)
        created = parties_total = provisions_total = 0
        while created < count:
            size = min(self.batch_size, count - created)
            agreements: list[Agreement] = []
            plans: list[tuple[list[tuple[int, str]], str]] = []
            for _ in range(size):
                kind = kinds.pick(rng)
                status = statuses.pick(rng)
                party_count = 2 if rng.random() < 0.8 else 3
                members: dict[int, str] = {}
                while len(members) < party_count:
                    institution_id, name = popularity.pick(rng)
                    members[institution_id] = name
                valid_from, valid_to = self._period(status)
                english, russian = KIND_TITLES[kind]
                names = list(members.values())
                title = f"{english} between {' and '.join(names)}"[:300]
                agreement = Agreement(
                    kind=kind,
                    title=title,
                    titles={"ru": f"{russian}: {' — '.join(names)}"[:300]},
                    status=status,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    auto_renew=rng.random() < 0.2,
                    languages=rng.sample(LANGUAGES, rng.randint(1, 2)),
                    tags=rng.sample(TAGS, rng.randint(0, 2)),
                    is_public=status == AgreementStatus.ACTIVE and rng.random() < 0.6,
                    termination_reason=(
                        "Terminated by mutual consent."
                        if status == AgreementStatus.TERMINATED
                        else ""
                    ),
                )
                agreement.search_text = agreement.compute_search_text()
                agreements.append(agreement)
                plans.append((list(members.items()), status))
            with transaction.atomic():
                Agreement.objects.bulk_create(agreements, batch_size=self.batch_size)
                party_rows: list[AgreementParty] = []
                provision_rows: list[Provision] = []
                for agreement, (members_list, status) in zip(agreements, plans, strict=True):
                    signed = status in (
                        AgreementStatus.ACTIVE,
                        AgreementStatus.EXPIRED,
                        AgreementStatus.TERMINATED,
                    )
                    for position, (institution_id, _) in enumerate(members_list):
                        party = AgreementParty(
                            agreement_id=agreement.pk, institution_id=institution_id
                        )
                        if signed or (status == AgreementStatus.SIGNING and position == 0):
                            party.signatory_name = (
                                f"{rng.choice(SIGNATORY_FIRST)} {rng.choice(SIGNATORY_LAST)}"
                            )
                            party.signatory_position = rng.choice(POSITIONS)
                            party.signed_on = (agreement.valid_from or self.today) - dt.timedelta(
                                days=rng.randint(1, 60)
                            )
                        party_rows.append(party)
                    party_ids = [institution_id for institution_id, _ in members_list]
                    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                        provision_kind = provision_kinds.pick(rng)
                        provision_rows.append(
                            Provision(
                                agreement_id=agreement.pk,
                                kind=provision_kind,
                                terms=self.terms(
                                    rng,
                                    provision_kind,
                                    party_ids,
                                    agreement.valid_from or self.today,
                                    self.fields,
                                ),
                            )
                        )
                AgreementParty.objects.bulk_create(party_rows, batch_size=self.batch_size)
                Provision.objects.bulk_create(provision_rows, batch_size=self.batch_size)
            created += size
            parties_total += len(party_rows)
            provisions_total += len(provision_rows)
            self._say("agreements", created, count)
        return created, parties_total, provisions_total

    def _period(self, status: str) -> tuple[dt.date | None, dt.date | None]:
        rng, today = self.rng, self.today
        years = rng.randint(1, 5)
        if status == AgreementStatus.EXPIRED:
            end = today - dt.timedelta(days=rng.randint(1, 5 * 365))
            return end - dt.timedelta(days=365 * years), end
        if status in (AgreementStatus.ACTIVE, AgreementStatus.TERMINATED):
            start = today - dt.timedelta(days=rng.randint(0, 4 * 365))
            end = start + dt.timedelta(days=365 * years)
            if end < today:
                end = today + dt.timedelta(days=rng.randint(1, 3 * 365))
            if rng.random() < 0.05:
                return start, None
            return start, end
        if rng.random() < 0.3:
            return None, None
        start = today + dt.timedelta(days=rng.randint(0, 365))
        return start, start + dt.timedelta(days=365 * years)


# Mobilities: where people leave from and where they go, by weight (other countries weigh 1),
# and the chance a completed student came home, by country of study.
MOBILITY_HOMES = {"KZ": 30, "AZ": 8, "UZ": 8, "KG": 5, "RU": 8, "CN": 8, "TR": 5, "PL": 5,
                  "IN": 6, "GE": 3}  # fmt: skip
MOBILITY_HOSTS = {"PL": 16, "RU": 12, "TR": 10, "DE": 10, "GB": 7, "US": 8, "CN": 6, "KR": 4,
                  "FR": 4, "CZ": 4, "IT": 3, "KZ": 6, "HU": 3, "AZ": 2}  # fmt: skip
MOBILITY_KINDS = (
    ("degree_study", 45),
    ("semester_exchange", 35),
    ("traineeship", 8),
    ("teaching", 5),
    ("training", 4),
    ("research_stay", 3),
)
# No "agreement" funding: generated mobilities fall under no agreement, and that funding needs one.
MOBILITY_FUNDING = (("self_funded", 45), ("scholarship", 30), ("government", 25))
MOBILITY_FIRST_YEAR = 2015


class MobilityGenerator:
    """Mobilities between the institutions in the database, skewed by country as real flows
    are (many from Kazakhstan and Central Asia, many to Poland, Russia, Türkiye, Germany),
    with returns for completed ones and Bolashak-style return obligations."""

    def __init__(self, generator: Generator) -> None:
        from accord.mobility.demo import NAMES

        self.g = generator
        self.names = NAMES
        rows = Institution.objects.order_by("id").values_list("id", "country", "schac_code")
        self.by_country: dict[str, list[tuple[int, str]]] = {}
        for pk, country, schac in rows:
            self.by_country.setdefault(str(country), []).append((pk, schac or "example.org"))
        if sum(len(ids) for ids in self.by_country.values()) < 2:
            raise ValueError("At least two institutions are needed to generate mobilities.")
        countries = sorted(self.by_country)
        self.homes = _Weighted([(c, float(MOBILITY_HOMES.get(c, 1))) for c in countries])
        self.hosts = _Weighted([(c, float(MOBILITY_HOSTS.get(c, 1))) for c in countries])
        self.kinds = _Weighted(MOBILITY_KINDS)
        self.funding = _Weighted(MOBILITY_FUNDING)

    def one(self, number: int) -> tuple[Any, Any]:
        from accord.mobility.models import Mobility, ReturnObligation

        rng, today = self.g.rng, self.g.today
        home_country = self.homes.pick(rng)
        home_id, domain = rng.choice(self.by_country[home_country])
        host_country = self.hosts.pick(rng)
        host_id, _ = rng.choice(self.by_country[host_country])
        while host_id == home_id:
            host_country = self.hosts.pick(rng)
            host_id, _ = rng.choice(self.by_country[host_country])
        kind = self.kinds.pick(rng)
        staff = kind in ("teaching", "training", "research_stay")
        eqf = None if staff else rng.choice((6, 6, 6, 7, 7, 8))
        year = rng.randint(MOBILITY_FIRST_YEAR, today.year)
        if kind == "degree_study":
            start = dt.date(year, 9, rng.randint(1, 30))
            end = dt.date(year + {6: 3, 7: 2, 8: 4}[eqf or 6], 6, rng.randint(1, 30))
        else:
            start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
            end = start + dt.timedelta(days=rng.randint(5, 30) if staff else rng.randint(60, 160))
        if start > today + dt.timedelta(days=300):
            start, end = start - dt.timedelta(days=365), end - dt.timedelta(days=365)
        if rng.random() < 0.03:
            status = "cancelled"
        elif end < today:
            status = "completed"
        elif start <= today:
            status = "ongoing"
        else:
            status = rng.choice(("planned", "nominated"))
        female, male, families = self.names.get(home_country, self.names["KZ"])
        given = rng.choice(female + male)
        family = rng.choice(families)
        funding = self.funding.pick(rng)
        bolashak = home_country == "KZ" and funding == "government" and not staff
        returned = None
        if status == "completed" and rng.random() < 0.85:
            returned = staff or rng.random() < (0.93 if bolashak else 0.75)
        mobility = Mobility(
            external_id=f"gen-{number}",
            person_kind="staff" if staff else "student",
            given_names=given,
            family_name=family,
            email=f"p{number}@{domain}",
            nationality=home_country,
            home_institution_id=home_id,
            host_institution_id=host_id,
            home_country=home_country,
            host_country=host_country,
            kind=kind,
            eqf_level=eqf,
            isced_code=rng.choice(self.g.fields),
            start_date=start,
            end_date=end,
            academic_year=academic_year(start),
            funding=funding,
            programme="Bolashak" if bolashak else "",
            status=status,
            returned_home=returned,
            returned_on=end + dt.timedelta(days=rng.randint(1, 90)) if returned else None,
        )
        obligation = None
        if bolashak and status != "cancelled":
            due = end + dt.timedelta(days=180)
            obligation_status = "pending"
            if returned:
                obligation_status = "fulfilled"
            elif returned is False and due < today:
                obligation_status = "breached" if rng.random() < 0.7 else "waived"
            obligation = ReturnObligation(
                programme="Bolashak",
                years_of_work=5,
                return_within_months=6,
                due_on=due,
                status=obligation_status,
            )
        return mobility, obligation

    def run(self, count: int) -> tuple[int, int]:
        from accord.mobility.models import Mobility, ReturnObligation

        start = Mobility.objects.filter(external_id__startswith="gen-").count()
        created = obligations = 0
        while created < count:
            size = min(self.g.batch_size, count - created)
            pairs = [self.one(start + created + n + 1) for n in range(size)]
            with transaction.atomic():
                Mobility.objects.bulk_create([m for m, _ in pairs], batch_size=self.g.batch_size)
                duties = []
                for mobility, obligation in pairs:
                    if obligation is not None:
                        obligation.mobility_id = mobility.pk
                        duties.append(obligation)
                ReturnObligation.objects.bulk_create(duties, batch_size=self.g.batch_size)
            created += size
            obligations += len(duties)
            self.g._say("mobilities", created, count)
        return created, obligations


def generate(
    *,
    institutions: int = 0,
    agreements: int = 0,
    mobilities: int = 0,
    seed: int = 1,
    batch_size: int = 5000,
    today: dt.date | None = None,
    progress: Progress | None = sys.stderr,
) -> GenerateResult:
    """Add `institutions` synthetic institutions, then `agreements` agreements between the
    institutions in the database, each with 2 or 3 parties and 0 to 3 provisions, then
    `mobilities` mobilities between them."""
    generator = Generator(seed=seed, batch_size=batch_size, today=today, progress=progress)
    made_institutions = generator.institutions(institutions) if institutions else 0
    made_agreements = parties = provisions = 0
    if agreements:
        made_agreements, parties, provisions = generator.agreements(agreements)
    made_mobilities = obligations = 0
    if mobilities:
        made_mobilities, obligations = MobilityGenerator(generator).run(mobilities)
    return GenerateResult(
        made_institutions, made_agreements, parties, provisions, made_mobilities, obligations
    )
