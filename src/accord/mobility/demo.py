"""The mobility part of `accord demo`: Kazakh students in Poland and elsewhere, and who came home.

Flows of the order the seed speaks of: well over a thousand students from Al-Farabi Kazakh
National University and other Kazakh universities in Poland over the academic years since
2019/2020 (fewer in the pandemic year, more each year since), smaller flows to Russia, Turkey,
Germany, the United Kingdom, the United States, Azerbaijan, China and others, and students and
staff coming to Kazakhstan. Completed mobilities have a return outcome (most came home, some
did not, some are not known yet), Bolashak scholars a return obligation. Mobilities under the
demo's mobility provisions take their places per year; those over the places go without one.

People are made up from short lists of given and family names. Rows are written with
`bulk_create` (the import would check them one by one; these are known to be valid), with the
stable external ids "demo-0001", ...; when the first exists, nothing is added.
"""

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from accord.agreements.models import Agreement, AgreementStatus, Provision, ProvisionKind
from accord.core.demo import INSTITUTIONS
from accord.core.models import User
from accord.institutions.models import Institution

from .checks import academic_year_of
from .models import (
    Funding,
    Mobility,
    MobilityKind,
    MobilityStatus,
    ObligationStatus,
    PersonKind,
    ReturnObligation,
)

EXTERNAL_ID = "demo-{:04d}"
FIRST_YEAR = 2019
SEED = 1991
STUDENT_USERNAME = "kaznu-student"

# Given names (female, male) and family names (male form; the female one is derived).
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "KZ": (
        ("Aigerim", "Aruzhan", "Dana", "Madina", "Zhansaya", "Aizhan", "Kamila", "Dinara",
         "Saule", "Togzhan", "Ainur", "Assel", "Gulnaz", "Moldir", "Akbota", "Zarina"),
        ("Arman", "Nurlan", "Yerlan", "Daniyar", "Alibek", "Askar", "Bauyrzhan", "Dauren",
         "Yerzhan", "Sanzhar", "Timur", "Aidos", "Nursultan", "Olzhas", "Miras", "Adilet"),
        ("Abenov", "Seitkali", "Tulegenov", "Zhaksylykov", "Bekov", "Nurpeisov", "Ospanov",
         "Sarsenbayev", "Kairatov", "Mukhametov", "Dzhaksybekov", "Ibraimov", "Omarov",
         "Akhmetov", "Baimukhanov", "Yessenov", "Kenzhebayev", "Zhumabayev"),
    ),
    "PL": (
        ("Anna", "Katarzyna", "Magdalena", "Agnieszka", "Zofia", "Natalia", "Julia"),
        ("Piotr", "Tomasz", "Jakub", "Michał", "Paweł", "Krzysztof", "Mateusz"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński"),
    ),
    "AZ": (
        ("Leyla", "Gunel", "Aysel", "Nigar", "Sevinj", "Narmin"),
        ("Elnur", "Rashad", "Orkhan", "Tural", "Farid", "Kamran"),
        ("Mammadov", "Aliyev", "Huseynov", "Hasanov", "Ismayilov", "Guliyev"),
    ),
    "UZ": (
        ("Dilnoza", "Nilufar", "Shahnoza", "Malika", "Zilola"),
        ("Bakhodir", "Jasur", "Sardor", "Otabek", "Rustam"),
        ("Tursunov", "Karimov", "Rakhimov", "Yusupov", "Nazarov"),
    ),
    "KG": (
        ("Nazgul", "Aida", "Cholpon", "Begimai", "Aizada"),
        ("Aibek", "Bakyt", "Nurbek", "Kanat", "Emil"),
        ("Asanov", "Temirov", "Sadykov", "Mamatov", "Abdrakhmanov"),
    ),
    "RU": (
        ("Irina", "Olga", "Yekaterina", "Anastasia", "Maria"),
        ("Sergey", "Dmitry", "Alexei", "Ivan", "Nikolai"),
        ("Volkov", "Sokolov", "Ivanov", "Petrov", "Smirnov"),
    ),
    "CN": (
        ("Li Na", "Wang Fang", "Zhang Min", "Liu Yang", "Chen Jing"),
        ("Wang Lei", "Zhang Wei", "Li Qiang", "Liu Tao", "Chen Hao"),
        ("Wang", "Li", "Zhang", "Liu", "Chen"),
    ),
    "TR": (
        ("Ayşe", "Elif", "Zeynep", "Merve"),
        ("Mehmet", "Emre", "Murat", "Burak"),
        ("Yılmaz", "Kaya", "Demir", "Şahin"),
    ),
    "DE": (
        ("Katrin", "Julia", "Lena", "Anna"),
        ("Thomas", "Jonas", "Lukas", "Felix"),
        ("Müller", "Schneider", "Fischer", "Weber"),
    ),
}  # fmt: skip
# Family names that do not take a feminine ending.
UNINFLECTED = {"CN", "TR", "DE"}

# Flows: (home keys with weights, host keys with weights, mobilities per academic year from
# FIRST_YEAR on); the pandemic year 2020/2021 is the low one.
KZ_HOMES = (("kaznu", 40), ("enu", 18), ("nu", 10), ("satbayev", 12), ("kbtu", 8), ("kaznpu", 12))
PL_HOSTS = (("uw", 30), ("uj", 20), ("pw", 15), ("amu", 12), ("agh", 10), ("uwr", 7), ("ul", 6))
FLOWS: list[tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...], tuple[int, ...]]] = [
    (KZ_HOMES, PL_HOSTS, (95, 60, 120, 150, 175, 205, 235, 250)),
    (KZ_HOMES, (("msu", 50), ("spbu", 30), ("nsu", 20)), (70, 55, 60, 52, 48, 46, 44, 42)),
    (KZ_HOMES, (("metu", 40), ("iu", 35), ("ankara", 25)), (30, 20, 32, 36, 40, 44, 46, 50)),
    (KZ_HOMES, (("hu", 35), ("heidelberg", 25), ("tum", 40)), (22, 14, 22, 25, 27, 29, 30, 32)),
    (KZ_HOMES, (("oxford", 25), ("cambridge", 20), ("ucl", 55)), (18, 12, 18, 20, 22, 22, 24, 24)),
    (KZ_HOMES, (("harvard", 15), ("indiana", 45), ("wisc", 40)), (16, 10, 15, 17, 18, 20, 21, 22)),
    (KZ_HOMES, (("bsu", 40), ("ada", 35), ("asoiu", 15), ("khazar", 10)),
     (8, 6, 9, 11, 12, 14, 15, 16)),
    (KZ_HOMES, (("pku", 30), ("tsinghua", 30), ("xju", 40)), (20, 8, 14, 20, 24, 26, 28, 30)),
    (KZ_HOMES, (("snu", 55), ("korea", 45)), (10, 6, 10, 12, 14, 15, 16, 17)),
    (KZ_HOMES, (("sorbonne", 40), ("inalco", 30), ("unistra", 30)), (6, 4, 6, 7, 8, 8, 9, 9)),
    (KZ_HOMES, (("tsu", 100),), (3, 2, 3, 4, 4, 5, 5, 6)),
    # Into Kazakhstan.
    ((("bsu", 40), ("ada", 25), ("anas", 15), ("khazar", 20)), KZ_HOMES,
     (12, 8, 12, 14, 16, 18, 19, 20)),
    ((("nuu", 60), ("samdu", 40)), KZ_HOMES, (18, 12, 18, 20, 22, 24, 25, 26)),
    ((("auca", 50), ("krsu", 50)), KZ_HOMES, (14, 10, 14, 15, 16, 17, 18, 18)),
    ((("pku", 30), ("xju", 70)), KZ_HOMES, (9, 3, 6, 9, 10, 12, 12, 13)),
    ((("uw", 40), ("uj", 30), ("pw", 30)), (("kaznu", 70), ("enu", 30)),
     (6, 3, 6, 7, 8, 9, 10, 11)),
    ((("msu", 60), ("spbu", 40)), KZ_HOMES, (8, 6, 7, 7, 8, 8, 9, 9)),
    ((("metu", 50), ("iu", 50)), KZ_HOMES, (5, 3, 5, 6, 6, 7, 7, 8)),
    # Elsewhere on the platform.
    ((("bsu", 50), ("ada", 50)), (("metu", 40), ("iu", 35), ("ankara", 25)),
     (14, 10, 14, 15, 16, 17, 18, 18)),
    ((("bsu", 60), ("asoiu", 40)), (("msu", 60), ("spbu", 40)), (10, 8, 9, 9, 8, 8, 8, 7)),
    ((("uw", 60), ("uj", 40)), (("heidelberg", 50), ("hu", 50)), (9, 5, 9, 10, 11, 12, 12, 13)),
    ((("nuu", 100),), (("uw", 40), ("uj", 30), ("amu", 30)), (6, 4, 6, 7, 8, 9, 9, 10)),
]  # fmt: skip

# Chance that a completed student came home, by country of study; staff always do.
RETURN_RATES = {"PL": 0.72, "RU": 0.84, "TR": 0.88, "DE": 0.55, "GB": 0.62, "US": 0.45,
                "AZ": 0.95, "CN": 0.82, "KR": 0.6, "FR": 0.6, "GE": 0.92, "KZ": 0.85}  # fmt: skip
BOLASHAK_RETURN = 0.92
BOLASHAK_COUNTRIES = {"GB", "US", "DE", "FR", "KR", "CN"}
EMPLOYERS = {
    "KZ": ("KazMunayGas", "Kaspi.kz", "Halyk Bank", "Samruk-Kazyna", "Kazakhtelecom",
           "Ministry of Science and Higher Education", "Al-Farabi Kazakh National University",
           "Nazarbayev University", "Astana International Financial Centre", "Air Astana",
           "KEGOC", "Akimat of Almaty", "Kazatomprom", "EPAM Kazakhstan"),
}  # fmt: skip
OTHER_EMPLOYERS = ("Ministry of Education", "State University", "National Bank", "IT company")
# Fields of study (ISCED-F detailed) with weights; staff teach and train in the same fields.
FIELDS = (("0611", 20), ("0413", 14), ("0311", 10), ("0231", 10), ("0714", 8), ("0533", 5),
          ("0222", 5), ("0421", 7), ("0912", 6), ("0731", 4), ("0541", 5), ("0711", 6))  # fmt: skip


@dataclass
class Place:
    """A mobility provision and the places it has left per academic year."""

    provision: Provision
    first_year: str
    last_year: str
    places: int
    isced: str
    students: bool
    used: Counter[str]


def _pick(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([key for key, _ in pairs], weights=[w for _, w in pairs])[0]


def _person(rng: random.Random, country: str) -> tuple[str, str, str]:
    female, male, families = NAMES.get(country, NAMES["KZ"])
    is_female = rng.random() < 0.55
    given = rng.choice(female if is_female else male)
    family = rng.choice(families)
    if is_female and country not in UNINFLECTED:
        if country == "PL" and family.endswith("ski"):
            family = family[:-1] + "a"
        elif country != "PL":
            family += "a"
    ascii_name = f"{given}.{family}".lower().replace(" ", "")
    return given, family, ascii_name


def _institutions() -> dict[str, Institution]:
    """The demo's institutions by key, found as core.demo finds them."""
    by_schac = {row[5]: row[0] for row in INSTITUTIONS if row[5]}
    by_name = {(row[1], row[2]): row[0] for row in INSTITUTIONS if not row[5]}
    found: dict[str, Institution] = {}
    condition = Q(schac_code__in=list(by_schac))
    for name, country in by_name:
        condition |= Q(name=name, country=country)
    for institution in Institution.objects.filter(condition):
        key = by_schac.get(institution.schac_code or "") or by_name.get(
            (institution.name, str(institution.country))
        )
        if key:
            found[key] = institution
    return found


def _agreements_between() -> dict[frozenset[int], list[Agreement]]:
    """Agreements that are or were in force, by the pair of institutions party to them."""
    pairs: dict[frozenset[int], list[Agreement]] = defaultdict(list)
    agreements = Agreement.objects.filter(
        status__in=(AgreementStatus.ACTIVE, AgreementStatus.EXPIRED)
    ).prefetch_related("parties")
    for agreement in agreements:
        members = [party.institution_id for party in agreement.parties.all()]
        for a in members:
            for b in members:
                if a < b:
                    pairs[frozenset((a, b))].append(agreement)
    return pairs


def _places() -> dict[tuple[int, int], list[Place]]:
    places: dict[tuple[int, int], list[Place]] = defaultdict(list)
    for provision in Provision.objects.filter(
        kind=ProvisionKind.MOBILITY, agreement__status__in=(AgreementStatus.ACTIVE,)
    ).select_related("agreement"):
        terms = provision.terms
        try:
            key = (int(terms["sending_institution"]), int(terms["receiving_institution"]))
            place = Place(
                provision=provision,
                first_year=str(terms.get("academic_year_from") or "0000/0001"),
                last_year=str(terms.get("academic_year_to") or "9999/10000"),
                places=int(terms.get("places_per_year") or 0),
                isced=str(terms.get("isced_code") or ""),
                students=str(terms.get("mobility_type", "")).startswith("student"),
                used=Counter(),
            )
        except (KeyError, TypeError, ValueError):
            continue
        places[key].append(place)
    return places


class MobilityDemo:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rng = random.Random(SEED)
        self.institutions = _institutions()
        self.agreements = _agreements_between()
        self.places = _places()
        self.rows: list[Mobility] = []
        self.obligations: list[tuple[Mobility, ReturnObligation]] = []

    # One mobility -----------------------------------------------------------------------------

    def _kind(self, home_country: str, host_country: str) -> tuple[str, str]:
        """(person kind, mobility kind): Kazakh students in Poland mostly take whole degrees."""
        r = self.rng.random()
        if r < 0.08:
            kind = self.rng.choice(
                (MobilityKind.TEACHING, MobilityKind.TRAINING, MobilityKind.RESEARCH_STAY)
            )
            return PersonKind.STAFF, kind
        degree_share = {"PL": 0.62, "RU": 0.55, "US": 0.45, "GB": 0.6, "CN": 0.5}.get(
            host_country, 0.3
        )
        if r < 0.08 + degree_share * 0.92:
            return PersonKind.STUDENT, MobilityKind.DEGREE_STUDY
        if r < 0.95:
            return PersonKind.STUDENT, MobilityKind.SEMESTER_EXCHANGE
        return PersonKind.STUDENT, MobilityKind.TRAINEESHIP

    def _dates(self, year: int, kind: str, eqf: int | None) -> tuple[dt.date, dt.date]:
        rng = self.rng
        if kind == MobilityKind.DEGREE_STUDY:
            start = dt.date(year, 9, rng.randint(20, 30))
            length = {6: 3, 7: 2, 8: 4}.get(eqf or 6, 3)
            return start, dt.date(year + length, 6, rng.randint(20, 30))
        if kind == MobilityKind.SEMESTER_EXCHANGE:
            if rng.random() < 0.55:
                start = dt.date(year, 9, rng.randint(15, 30))
                return start, dt.date(year + 1, 2, rng.randint(1, 20))
            start = dt.date(year + 1, 2, rng.randint(15, 28))
            return start, dt.date(year + 1, 6, rng.randint(15, 30))
        if kind == MobilityKind.TRAINEESHIP:
            start = dt.date(year + 1, rng.choice((3, 4, 6, 7)), rng.randint(1, 15))
            return start, start + dt.timedelta(days=rng.randint(60, 150))
        start = dt.date(year, 10, 1) + dt.timedelta(days=rng.randint(0, 230))
        return start, start + dt.timedelta(days=rng.randint(5, 30))

    def _status(self, start: dt.date, end: dt.date) -> str:
        if self.rng.random() < 0.03:
            return MobilityStatus.CANCELLED
        if end < self.today:
            return MobilityStatus.COMPLETED
        if start <= self.today:
            return MobilityStatus.ONGOING
        return MobilityStatus.NOMINATED if self.rng.random() < 0.7 else MobilityStatus.PLANNED

    def _funding(self, person: str, home_country: str, host_country: str) -> tuple[str, str]:
        rng = self.rng
        if person == PersonKind.STAFF:
            return rng.choice((Funding.AGREEMENT, Funding.GOVERNMENT)), ""
        if home_country == "KZ" and host_country in BOLASHAK_COUNTRIES and rng.random() < 0.5:
            return Funding.GOVERNMENT, "Bolashak"
        r = rng.random()
        if r < 0.4:
            return Funding.SELF_FUNDED, ""
        if r < 0.65:
            programme = {"PL": "Ignacy Łukasiewicz scholarship (NAWA)", "DE": "DAAD"}.get(
                host_country, "University scholarship"
            )
            return Funding.SCHOLARSHIP, programme
        if r < 0.85:
            return Funding.AGREEMENT, "Erasmus+" if host_country == "PL" else ""
        return Funding.GOVERNMENT, "State educational grant"

    def _agreement(self, mobility: Mobility, home: Institution, host: Institution) -> None:
        """The agreement in force between home and host at the start, and a place under a
        mobility provision from home to host while the year has one left."""
        in_force = [
            agreement
            for agreement in self.agreements.get(frozenset((home.pk, host.pk)), [])
            if (agreement.valid_from is None or agreement.valid_from <= mobility.start_date)
            and (agreement.valid_to is None or mobility.start_date <= agreement.valid_to)
        ]
        if not in_force or self.rng.random() > 0.85:
            return
        mobility.agreement = in_force[0]
        student = mobility.person_kind == PersonKind.STUDENT
        for place in self.places.get((home.pk, host.pk), []):
            year = mobility.academic_year
            if (
                place.provision.agreement_id in {a.pk for a in in_force}
                and place.students == student
                and place.first_year <= year <= place.last_year
                and place.used[year] < place.places
            ):
                place.used[year] += 1
                mobility.agreement = place.provision.agreement
                mobility.provision = place.provision
                if place.isced:
                    mobility.isced_code = place.isced
                return

    def _return(self, mobility: Mobility) -> None:
        rng = self.rng
        if mobility.status != MobilityStatus.COMPLETED:
            return
        if mobility.person_kind == PersonKind.STAFF:
            mobility.returned_home = True
            mobility.returned_on = mobility.end_date + dt.timedelta(days=rng.randint(0, 3))
            return
        # Outcomes of the last months are often not known yet.
        recent = (self.today - mobility.end_date).days < 240
        if rng.random() < (0.45 if recent else 0.1):
            return
        bolashak = mobility.programme == "Bolashak"
        chance = BOLASHAK_RETURN if bolashak else RETURN_RATES.get(str(mobility.host_country), 0.8)
        mobility.returned_home = rng.random() < chance
        if mobility.returned_home:
            mobility.returned_on = min(
                mobility.end_date + dt.timedelta(days=rng.randint(3, 120)), self.today
            )
            if rng.random() < 0.75:
                employers = EMPLOYERS.get(str(mobility.home_country), OTHER_EMPLOYERS)
                mobility.employer = rng.choice(employers)

    def _obligation(self, mobility: Mobility) -> None:
        if mobility.programme != "Bolashak" or mobility.status == MobilityStatus.CANCELLED:
            return
        months = 6
        due = mobility.end_date + dt.timedelta(days=30 * months)
        obligation = ReturnObligation(
            programme="Bolashak",
            years_of_work=5,
            return_within_months=months,
            due_on=due,
        )
        if mobility.returned_home and mobility.returned_on:
            # Back home in time; fulfilled once the years of work there are done.
            worked_until = mobility.returned_on + dt.timedelta(days=365 * obligation.years_of_work)
            if worked_until <= self.today:
                obligation.status = ObligationStatus.FULFILLED
                obligation.resolved_on = worked_until
        elif mobility.returned_home is False and due < self.today:
            if self.rng.random() < 0.35:
                obligation.status = ObligationStatus.WAIVED
                obligation.note = "Waived by the programme: continues to a doctorate abroad."
            else:
                obligation.status = ObligationStatus.BREACHED
            obligation.resolved_on = due
        self.obligations.append((mobility, obligation))

    def mobility(
        self, number: int, home: Institution, host: Institution, year: int, **fixed: Any
    ) -> Mobility:
        rng = self.rng
        home_country, host_country = str(home.country), str(host.country)
        person, kind = fixed.pop("kinds", None) or self._kind(home_country, host_country)
        eqf = None
        if person == PersonKind.STUDENT:
            eqf = rng.choices((6, 7, 8), weights=(50, 38, 12))[0]
            if kind == MobilityKind.TRAINEESHIP:
                eqf = rng.choice((6, 7))
        start, end = self._dates(year, kind, eqf)
        given, family, login = _person(rng, home_country)
        funding, programme = self._funding(person, home_country, host_country)
        mobility = Mobility(
            external_id=EXTERNAL_ID.format(number),
            person_kind=person,
            given_names=given,
            family_name=family,
            email=f"{login}{number}@{home.schac_code or 'example.org'}",
            birth_date=dt.date(year - (19 if eqf == 6 else 23 if eqf == 7 else 27), 1, 1)
            + dt.timedelta(days=rng.randint(0, 700))
            if person == PersonKind.STUDENT
            else dt.date(year - rng.randint(30, 60), rng.randint(1, 12), rng.randint(1, 28)),
            nationality=home_country,
            home_institution=home,
            host_institution=host,
            home_country=home_country,
            host_country=host_country,
            kind=kind,
            eqf_level=eqf,
            isced_code=rng.choices([c for c, _ in FIELDS], weights=[w for _, w in FIELDS])[0],
            start_date=start,
            end_date=end,
            academic_year=academic_year_of(start),
            funding=funding,
            programme=programme,
        )
        for name, value in fixed.items():
            setattr(mobility, name, value)
        mobility.academic_year = academic_year_of(mobility.start_date)
        mobility.status = fixed.get("status") or self._status(
            mobility.start_date, mobility.end_date
        )
        if mobility.status == MobilityStatus.CANCELLED:
            mobility.cancellation_reason = "Withdrew before departure."
        self._agreement(mobility, home, host)
        if mobility.funding == Funding.AGREEMENT and mobility.agreement is None:
            # No agreement between the two: someone else pays.
            mobility.funding, mobility.programme = Funding.SELF_FUNDED, ""
        self._return(mobility)
        self._obligation(mobility)
        return mobility

    # All of them ------------------------------------------------------------------------------

    def build(self) -> None:
        last_year = int(academic_year_of(self.today)[:4])
        number = 0
        for homes, hosts, per_year in FLOWS:
            homes_here = tuple(pair for pair in homes if pair[0] in self.institutions)
            hosts_here = tuple(pair for pair in hosts if pair[0] in self.institutions)
            if not homes_here or not hosts_here:
                continue
            for offset, year in enumerate(range(FIRST_YEAR, last_year + 1)):
                count = per_year[min(offset, len(per_year) - 1)]
                for _ in range(count):
                    home = self.institutions[_pick(self.rng, homes_here)]
                    host = self.institutions[_pick(self.rng, hosts_here)]
                    number += 1
                    self.rows.append(self.mobility(number, home, host, year))
        student = User.objects.filter(username=STUDENT_USERNAME).first()
        if student is not None and {"kaznu", "uw"} <= set(self.institutions):
            year = int(academic_year_of(self.today)[:4])
            start, end = dt.date(year, 9, 20), dt.date(year + 1, 2, 10)
            number += 1
            mobility = self.mobility(
                number,
                self.institutions["kaznu"],
                self.institutions["uw"],
                year,
                kinds=(PersonKind.STUDENT, MobilityKind.SEMESTER_EXCHANGE),
                start_date=start,
                end_date=end,
                status=MobilityStatus.ONGOING
                if start <= self.today <= end
                else MobilityStatus.COMPLETED
                if end < self.today
                else MobilityStatus.NOMINATED,
                user=student,
                given_names=student.first_name,
                family_name=student.last_name,
                email=student.email,
                nationality="KZ",
                eqf_level=6,
                isced_code="0611",
                funding=Funding.AGREEMENT,
                programme="Erasmus+",
            )
            self.rows.append(mobility)

    def save(self) -> int:
        Mobility.objects.bulk_create(self.rows, batch_size=1000)
        obligations = []
        for mobility, obligation in self.obligations:
            obligation.mobility = mobility
            obligations.append(obligation)
        ReturnObligation.objects.bulk_create(obligations, batch_size=1000)
        return len(self.rows) + len(obligations)


def mobility_demo_load(today: dt.date) -> int:
    """Add the demo's mobility data; returns how many rows were added (0 when already there)."""
    if Mobility.objects.filter(external_id=EXTERNAL_ID.format(1)).exists():
        return 0
    demo = MobilityDemo(today)
    if not {"kaznu", "uw"} <= set(demo.institutions):
        return 0
    demo.build()
    with transaction.atomic():
        return demo.save()
