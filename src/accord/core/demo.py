"""The demo data set and its loader: the memorandum of Al-Farabi Kazakh National University and
the Azerbaijan National Academy of Sciences, KazNU's exchanges with Polish universities and a
realistic spread of partners, agreements in every state, and one login per role.

Everything is written through the services, by the demo users, so permissions are checked and
audit events exist. The events are then dated to the story (created months before the
signature, activated on the day the agreement takes effect, expired the day after it ended),
so histories read as they would have happened. Loading is idempotent: institutions are found
by SCHAC code (or name), people by username, units by name and agreements by title, and what
exists is left as it is.
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accord.agreements import services as agreements
from accord.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementStatus,
    DocumentKind,
    Provision,
    ProvisionKind,
)
from accord.institutions import services as institutions
from accord.institutions.models import Institution, InstitutionKind, Unit, UnitKind

from .models import AuditEvent, Role, User
from .services import membership_grant

if TYPE_CHECKING:
    from accord.institutions.importer import ImportReport

K = AgreementKind
S = AgreementStatus
P = ProvisionKind
U, A, RI, M, F = (
    InstitutionKind.UNIVERSITY,
    InstitutionKind.ACADEMY,
    InstitutionKind.RESEARCH_INSTITUTE,
    InstitutionKind.MINISTRY,
    InstitutionKind.FOUNDATION,
)

SEED_TITLE = (
    "Memorandum of understanding between Al-Farabi Kazakh National University "
    "and Azerbaijan National Academy of Sciences"
)
CENTER_NAME = "Azerbaijani Center of History and Culture"

# key, name, country, city, kind, SCHAC code (domain), names, ROR id, Erasmus code, parent key
INSTITUTIONS: list[tuple[Any, ...]] = [
    ("kaznu", "Al-Farabi Kazakh National University", "KZ", "Almaty", U, "kaznu.kz",
     {"kk": "Әл-Фараби атындағы Қазақ ұлттық университеті",
      "ru": "Казахский национальный университет имени аль-Фараби"}, "03q0vrn42", None, None),
    ("enu", "L. N. Gumilyov Eurasian National University", "KZ", "Astana", U, "enu.kz",
     {"kk": "Л. Н. Гумилев атындағы Еуразия ұлттық университеті",
      "ru": "Евразийский национальный университет имени Л. Н. Гумилёва"}, None, None, None),
    ("nu", "Nazarbayev University", "KZ", "Astana", U, "nu.edu.kz",
     {"kk": "Назарбаев Университеті", "ru": "Назарбаев Университет"}, None, None, None),
    ("satbayev", "Satbayev University", "KZ", "Almaty", U, "satbayev.university",
     {"kk": "Сәтбаев университеті", "ru": "Университет Сатпаева"}, None, None, None),
    ("kbtu", "Kazakh-British Technical University", "KZ", "Almaty", U, "kbtu.kz",
     {"ru": "Казахстанско-Британский технический университет"}, None, None, None),
    ("kaznpu", "Abai Kazakh National Pedagogical University", "KZ", "Almaty", U, "kaznpu.kz",
     {"kk": "Абай атындағы Қазақ ұлттық педагогикалық университеті",
      "ru": "Казахский национальный педагогический университет имени Абая"}, None, None, None),
    ("mshe-kz", "Ministry of Science and Higher Education of the Republic of Kazakhstan", "KZ",
     "Astana", M, None,
     {"kk": "Қазақстан Республикасы Ғылым және жоғары білім министрлігі",
      "ru": "Министерство науки и высшего образования Республики Казахстан"}, None, None, None),
    ("anas", "Azerbaijan National Academy of Sciences", "AZ", "Baku", A, "science.az",
     {"az": "Azərbaycan Milli Elmlər Akademiyası",
      "ru": "Национальная академия наук Азербайджана"}, None, None, None),
    ("anas-history", "A. A. Bakikhanov Institute of History of ANAS", "AZ", "Baku", RI, None,
     {"az": "AMEA A. A. Bakıxanov adına Tarix İnstitutu",
      "ru": "Институт истории имени А. А. Бакиханова НАНА"}, None, None, "anas"),
    ("anas-physics", "Institute of Physics of ANAS", "AZ", "Baku", RI, None,
     {"az": "AMEA Fizika İnstitutu", "ru": "Институт физики НАНА"}, None, None, "anas"),
    ("anas-math", "Institute of Mathematics and Mechanics of ANAS", "AZ", "Baku", RI, None,
     {"az": "AMEA Riyaziyyat və Mexanika İnstitutu", "ru": "Институт математики и механики НАНА"},
     None, None, "anas"),
    ("bsu", "Baku State University", "AZ", "Baku", U, "bsu.edu.az",
     {"az": "Bakı Dövlət Universiteti", "ru": "Бакинский государственный университет"},
     None, None, None),
    ("ada", "ADA University", "AZ", "Baku", U, "ada.edu.az", {"az": "ADA Universiteti"},
     None, None, None),
    ("asoiu", "Azerbaijan State Oil and Industry University", "AZ", "Baku", U, "asoiu.edu.az",
     {"az": "Azərbaycan Dövlət Neft və Sənaye Universiteti"}, None, None, None),
    ("khazar", "Khazar University", "AZ", "Baku", U, "khazar.org", {"az": "Xəzər Universiteti"},
     None, None, None),
    ("uw", "University of Warsaw", "PL", "Warsaw", U, "uw.edu.pl",
     {"pl": "Uniwersytet Warszawski"}, "039bjqg32", "PL WARSZAW01", None),
    ("uj", "Jagiellonian University", "PL", "Kraków", U, "uj.edu.pl",
     {"pl": "Uniwersytet Jagielloński"}, None, "PL KRAKOW01", None),
    ("pw", "Warsaw University of Technology", "PL", "Warsaw", U, "pw.edu.pl",
     {"pl": "Politechnika Warszawska"}, None, "PL WARSZAW02", None),
    ("amu", "Adam Mickiewicz University, Poznań", "PL", "Poznań", U, "amu.edu.pl",
     {"pl": "Uniwersytet im. Adama Mickiewicza w Poznaniu"}, None, "PL POZNAN01", None),
    ("agh", "AGH University of Krakow", "PL", "Kraków", U, "agh.edu.pl",
     {"pl": "Akademia Górniczo-Hutnicza im. Stanisława Staszica w Krakowie"}, None,
     "PL KRAKOW02", None),
    ("uwr", "University of Wrocław", "PL", "Wrocław", U, "uni.wroc.pl",
     {"pl": "Uniwersytet Wrocławski"}, None, "PL WROCLAW01", None),
    ("ul", "University of Lodz", "PL", "Łódź", U, "uni.lodz.pl", {"pl": "Uniwersytet Łódzki"},
     None, "PL LODZ01", None),
    ("msu", "Lomonosov Moscow State University", "RU", "Moscow", U, "msu.ru",
     {"ru": "Московский государственный университет имени М. В. Ломоносова"}, None, None, None),
    ("spbu", "Saint Petersburg State University", "RU", "Saint Petersburg", U, "spbu.ru",
     {"ru": "Санкт-Петербургский государственный университет"}, None, None, None),
    ("nsu", "Novosibirsk State University", "RU", "Novosibirsk", U, "nsu.ru",
     {"ru": "Новосибирский государственный университет"}, None, None, None),
    ("metu", "Middle East Technical University", "TR", "Ankara", U, "metu.edu.tr",
     {"tr": "Orta Doğu Teknik Üniversitesi"}, None, None, None),
    ("iu", "Istanbul University", "TR", "Istanbul", U, "istanbul.edu.tr",
     {"tr": "İstanbul Üniversitesi"}, None, None, None),
    ("ankara", "Ankara University", "TR", "Ankara", U, "ankara.edu.tr",
     {"tr": "Ankara Üniversitesi"}, None, None, None),
    ("hu", "Humboldt University of Berlin", "DE", "Berlin", U, "hu-berlin.de",
     {"de": "Humboldt-Universität zu Berlin"}, None, None, None),
    ("heidelberg", "Heidelberg University", "DE", "Heidelberg", U, "uni-heidelberg.de",
     {"de": "Ruprecht-Karls-Universität Heidelberg"}, None, None, None),
    ("tum", "Technical University of Munich", "DE", "Munich", U, "tum.de",
     {"de": "Technische Universität München"}, None, None, None),
    ("daad", "German Academic Exchange Service (DAAD)", "DE", "Bonn", F, "daad.de",
     {"de": "Deutscher Akademischer Austauschdienst"}, None, None, None),
    ("oxford", "University of Oxford", "GB", "Oxford", U, "ox.ac.uk", {}, None, None, None),
    ("cambridge", "University of Cambridge", "GB", "Cambridge", U, "cam.ac.uk", {}, None, None,
     None),
    ("ucl", "University College London", "GB", "London", U, "ucl.ac.uk", {}, None, None, None),
    ("harvard", "Harvard University", "US", "Cambridge, MA", U, "harvard.edu", {}, None, None,
     None),
    ("indiana", "Indiana University Bloomington", "US", "Bloomington", U, "indiana.edu", {},
     None, None, None),
    ("wisc", "University of Wisconsin–Madison", "US", "Madison", U, "wisc.edu", {}, None, None,
     None),
    ("nuu", "National University of Uzbekistan", "UZ", "Tashkent", U, "nuu.uz",
     {"uz": "O‘zbekiston Milliy universiteti", "ru": "Национальный университет Узбекистана"},
     None, None, None),
    ("samdu", "Samarkand State University", "UZ", "Samarkand", U, "samdu.uz",
     {"uz": "Samarqand davlat universiteti"}, None, None, None),
    ("auca", "American University of Central Asia", "KG", "Bishkek", U, "auca.kg",
     {"ru": "Американский университет в Центральной Азии"}, None, None, None),
    ("krsu", "Kyrgyz-Russian Slavic University", "KG", "Bishkek", U, "krsu.edu.kg",
     {"ru": "Кыргызско-Российский Славянский университет"}, None, None, None),
    ("pku", "Peking University", "CN", "Beijing", U, "pku.edu.cn", {"zh": "北京大学"}, None,
     None, None),
    ("tsinghua", "Tsinghua University", "CN", "Beijing", U, "tsinghua.edu.cn",
     {"zh": "清华大学"}, None, None, None),
    ("xju", "Xinjiang University", "CN", "Urumqi", U, "xju.edu.cn", {"zh": "新疆大学"}, None,
     None, None),
    ("snu", "Seoul National University", "KR", "Seoul", U, "snu.ac.kr", {"ko": "서울대학교"},
     None, None, None),
    ("korea", "Korea University", "KR", "Seoul", U, "korea.ac.kr", {"ko": "고려대학교"}, None,
     None, None),
    ("sorbonne", "Sorbonne University", "FR", "Paris", U, "sorbonne-universite.fr",
     {"fr": "Sorbonne Université"}, None, None, None),
    ("inalco", "National Institute for Oriental Languages and Civilizations (INALCO)", "FR",
     "Paris", U, "inalco.fr", {"fr": "Institut national des langues et civilisations orientales"},
     None, None, None),
    ("unistra", "University of Strasbourg", "FR", "Strasbourg", U, "unistra.fr",
     {"fr": "Université de Strasbourg"}, None, None, None),
    ("tsu", "Ivane Javakhishvili Tbilisi State University", "GE", "Tbilisi", U, "tsu.edu.ge",
     {"ka": "ივანე ჯავახიშვილის სახელობის თბილისის სახელმწიფო უნივერსიტეტი"}, None, None, None),
]  # fmt: skip

# institution key, name, kind, names
UNITS: list[tuple[str, str, str, dict[str, str]]] = [
    ("kaznu", CENTER_NAME, UnitKind.CENTER,
     {"kk": "Әзербайжан тарихы мен мәдениеті орталығы",
      "ru": "Центр истории и культуры Азербайджана",
      "az": "Azərbaycan Tarixi və Mədəniyyəti Mərkəzi"}),
    ("kaznu", "Faculty of Information Technology", UnitKind.FACULTY,
     {"kk": "Ақпараттық технологиялар факультеті", "ru": "Факультет информационных технологий"}),
    ("kaznu", "Faculty of Philology", UnitKind.FACULTY,
     {"kk": "Филология факультеті", "ru": "Филологический факультет"}),
    ("kaznu", "Higher School of Economics and Business", UnitKind.FACULTY,
     {"kk": "Экономика және бизнес жоғары мектебі", "ru": "Высшая школа экономики и бизнеса"}),
    ("uw", "Faculty of Oriental Studies", UnitKind.FACULTY, {"pl": "Wydział Orientalistyczny"}),
    ("uw", "Faculty of Mathematics, Informatics and Mechanics", UnitKind.FACULTY,
     {"pl": "Wydział Matematyki, Informatyki i Mechaniki"}),
]  # fmt: skip

# username, first name, last name, e-mail, platform staff, [(institution key, role)]
USERS: list[tuple[str, str, str, str, bool, list[tuple[str, str]]]] = [
    ("admin", "Daniyar", "Seitkali", "daniyar.seitkali@accord.example.org", True, []),
    ("kaznu-officer", "Aigerim", "Tulegenova", "aigerim.tulegenova@kaznu.kz", False,
     [("kaznu", Role.OFFICER), ("kaznu", Role.ADMIN)]),
    ("kaznu-student", "Arman", "Zhaksylykov", "arman.zhaksylykov@kaznu.kz", False,
     [("kaznu", Role.STUDENT)]),
    ("kaznu-reviewer", "Saule", "Bekova", "saule.bekova@kaznu.kz", False,
     [("kaznu", Role.REVIEWER)]),
    ("anas-coordinator", "Elnur", "Mammadov", "elnur.mammadov@science.az", False,
     [("anas", Role.COORDINATOR)]),
    ("anas-researcher", "Leyla", "Aliyeva", "leyla.aliyeva@science.az", False,
     [("anas", Role.RESEARCHER)]),
    ("uw-officer", "Katarzyna", "Nowak", "k.nowak@uw.edu.pl", False, [("uw", Role.OFFICER)]),
]  # fmt: skip

# Who coordinates each institution's side of its agreements.
COORDINATORS = {"kaznu": "kaznu-officer", "anas": "anas-coordinator", "uw": "uw-officer"}

SIGNATORIES = {
    "KZ": [("Zhansaya Omarova", "Rector"), ("Nurlan Abenov", "Vice-Rector")],
    "AZ": [("Rashad Huseynov", "President"), ("Gunel Ismayilova", "Vice-President")],
    "PL": [("Tomasz Wiśniewski", "Rector"), ("Agnieszka Zielińska", "Vice-Rector for Cooperation")],
    "RU": [("Sergey Volkov", "Rector"), ("Irina Sokolova", "Vice-Rector")],
    "TR": [("Mehmet Demir", "Rector"), ("Ayşe Kaya", "Vice-Rector")],
    "DE": [("Thomas Müller", "President"), ("Katrin Schneider", "Vice-President International")],
    "GB": [("James Wilson", "Vice-Chancellor"), ("Emma Clarke", "Pro-Vice-Chancellor")],
    "US": [("Michael Johnson", "President"), ("Jennifer Davis", "Vice Provost")],
    "UZ": [("Bakhodir Tursunov", "Rector"), ("Dilnoza Karimova", "Vice-Rector")],
    "KG": [("Aibek Asanov", "Rector"), ("Nazgul Temirova", "Vice-Rector")],
    "CN": [("Wang Lei", "President"), ("Li Na", "Vice-President")],
    "KR": [("Kim Min-jun", "President"), ("Lee Ji-woo", "Vice-President")],
    "FR": [("Isabelle Moreau", "President"), ("Philippe Laurent", "Vice-President")],
    "GE": [("Giorgi Beridze", "Rector"), ("Nino Kapanadze", "Vice-Rector")],
}  # fmt: skip
KIND_TITLES = {
    K.MOU: ("Memorandum of understanding", "Меморандум о взаимопонимании"),
    K.FRAMEWORK: ("Framework agreement on cooperation", "Рамочное соглашение о сотрудничестве"),
    K.BILATERAL_EXCHANGE: ("Inter-institutional agreement", "Межвузовское соглашение об обмене"),
    K.JOINT_DEGREE: ("Double degree agreement", "Соглашение о программе двойного диплома"),
}


@dataclass
class Spec:
    """One agreement of the story and the state it has reached."""

    title: str
    kind: str
    parties: list[str]
    status: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    titles: dict[str, str] = field(default_factory=dict)
    description: str = ""
    public: bool = False
    auto_renew: bool = False
    languages: tuple[str, ...] = ("en",)
    tags: tuple[str, ...] = ()
    provisions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    renews: str | None = None
    amends: str | None = None
    reason: str = ""
    signed_on: dt.date | None = None
    signatories: list[tuple[str, str]] | None = None
    seed_document: bool = False


def mobility(
    sending: str,
    receiving: str,
    isced: str,
    *,
    kind: str = "student_studies",
    places: int = 5,
    months: float | None = 25,
    days: int | None = None,
    eqf: tuple[int, ...] = (6, 7),
    language: str = "en",
    cefr: str = "B2",
    years: tuple[str, str] = ("2024/2025", "2028/2029"),
) -> tuple[str, dict[str, Any]]:
    """A mobility provision; `sending`/`receiving` are institution keys, resolved to ids later."""
    return (
        P.MOBILITY,
        {
            "sending_institution": sending,
            "receiving_institution": receiving,
            "mobility_type": kind,
            "places_per_year": places,
            "total_months": months if kind.startswith("student") else None,
            "total_days": days if not kind.startswith("student") else None,
            "isced_code": isced,
            "eqf_levels": list(eqf),
            "language": language,
            "cefr_level": cefr,
            "academic_year_from": years[0],
            "academic_year_to": years[1],
        },
    )


def signed_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF (valid, with a correct cross-reference table) showing `title` and `lines`."""

    def text(value: str) -> str:
        value = value.encode("latin-1", "replace").decode("latin-1")
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    rows = [f"BT /F1 13 Tf 56 780 Td ({text(title[:90])}) Tj ET"]
    for number, line in enumerate([title[90:], "", *lines]):
        rows.append(f"BT /F1 10 Tf 56 {756 - 16 * number} Td ({text(line)}) Tj ET")
    stream = "\n".join(rows).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def story(today: dt.date) -> list[Spec]:
    """The hand-written part of the demo: the seed memorandum and the agreements around it."""
    soon = today + dt.timedelta(days=45)
    return [
        Spec(
            SEED_TITLE,
            K.MOU,
            ["kaznu", "anas"],
            S.ACTIVE,
            dt.date(2018, 11, 15),
            dt.date(2028, 11, 14),
            titles={
                "kk": "Әл-Фараби атындағы Қазақ ұлттық университеті мен Әзербайжан Ұлттық "
                "ғылым академиясы арасындағы өзара түсіністік туралы меморандум",
                "ru": "Меморандум о взаимопонимании между Казахским национальным университетом "
                "имени аль-Фараби и Национальной академией наук Азербайджана",
                "az": "Əl-Farabi adına Qazax Milli Universiteti ilə Azərbaycan Milli Elmlər "
                "Akademiyası arasında anlaşma memorandumu",
            },
            description=(
                "Scientists of Kazakhstan and Azerbaijan may use the research centers of both "
                "parties, organize joint conferences and take part in scholarship projects. "
                "KazNU hosts the Azerbaijani Center of History and Culture, which held the "
                "conference for the 100th anniversary of the Azerbaijan Democratic Republic, "
                "the 95th anniversary of Heydar Aliyev and the 135th anniversary of Huseyn Javid."
            ),
            public=True,
            auto_renew=True,
            languages=("kk", "az", "ru"),
            tags=("science", "culture", "conferences", "scholarships"),
            provisions=[
                (P.CENTER_ACCESS, {"unit_ids": [CENTER_NAME],
                                   "centers": ["Laboratories of the institutes of ANAS"],
                                   "hours_per_year": 400, "days_per_year": 60}),
                (P.JOINT_EVENTS, {"description": (
                    "Joint scientific conferences, among them the conference for the 100th "
                    "anniversary of the Azerbaijan Democratic Republic, the 95th anniversary of "
                    "Heydar Aliyev and the 135th anniversary of Huseyn Javid"),
                    "events_per_year": 2}),
                (P.SCHOLARSHIP, {"programme": "KazNU-ANAS scholarships for young researchers",
                                 "places_per_year": 6, "stipend_amount": 250000,
                                 "currency": "KZT", "months": 10}),
                (P.CULTURAL_CENTER, {"name": CENTER_NAME, "unit_id": CENTER_NAME,
                                     "description": "Exhibitions, lectures and language "
                                     "courses on the history and culture of Azerbaijan."}),
            ],
            signed_on=dt.date(2018, 11, 15),
            signatories=[("Zhansaya Omarova", "Rector"), ("Rashad Huseynov", "President")],
            seed_document=True,
        ),
        *[
            Spec(
                f"Inter-institutional agreement between Al-Farabi Kazakh National University "
                f"and {name}",
                K.BILATERAL_EXCHANGE,
                ["kaznu", key],
                S.ACTIVE,
                dt.date(2024, 9, 1),
                dt.date(2029, 8, 31),
                titles={"ru": f"Межвузовское соглашение об обмене: КазНУ имени аль-Фараби — {ru}",
                        "pl": f"Umowa międzyinstytucjonalna: KazNU im. al-Farabiego — {pl}"},
                description="Student and staff exchange under Erasmus+ and national "
                "scholarship programmes: Kazakh students study a semester or a year in Poland.",
                public=True,
                languages=("en", "pl", "ru"),
                tags=("erasmus+", "students", "poland"),
                provisions=[mobility("kaznu", key, isced, places=places, language=language)
                            for isced, places, language in lines]
                + [mobility(key, "kaznu", "0231", places=2, months=10, eqf=(6,), cefr="B1",
                            language="ru")],
                signed_on=dt.date(2024, 6, 20),
            )
            for key, name, ru, pl, lines in (
                ("uw", "University of Warsaw", "Варшавский университет", "Uniwersytet Warszawski",
                 [("0611", 6, "en"), ("0231", 4, "pl")]),
                ("uj", "Jagiellonian University", "Ягеллонский университет",
                 "Uniwersytet Jagielloński", [("0231", 5, "pl"), ("0222", 3, "en")]),
                ("pw", "Warsaw University of Technology", "Варшавский политехнический университет",
                 "Politechnika Warszawska", [("0611", 5, "en"), ("0714", 4, "en")]),
                ("amu", "Adam Mickiewicz University, Poznań",
                 "Университет имени Адама Мицкевича в Познани",
                 "Uniwersytet im. Adama Mickiewicza w Poznaniu",
                 [("0411", 4, "en"), ("0314", 3, "pl")]),
            )
        ],
        Spec(
            "Amendment No. 1 to the inter-institutional agreement between Al-Farabi Kazakh "
            "National University and University of Warsaw: staff teaching mobility",
            K.AMENDMENT,
            ["kaznu", "uw"],
            S.ACTIVE,
            dt.date(2025, 9, 1),
            dt.date(2029, 8, 31),
            titles={"pl": "Aneks nr 1 do umowy międzyinstytucjonalnej KazNU - UW: mobilność "
                    "kadry w celu prowadzenia zajęć"},
            languages=("en", "pl"),
            tags=("erasmus+", "staff"),
            provisions=[mobility("uw", "kaznu", "0611", kind="staff_teaching", places=2, days=10,
                                 eqf=(), cefr="", years=("2025/2026", "2028/2029"))],
            amends="Inter-institutional agreement between Al-Farabi Kazakh National University "
            "and University of Warsaw",
            signed_on=dt.date(2025, 7, 14),
        ),
        Spec(
            "Agreement on cooperation between Al-Farabi Kazakh National University and "
            "Lomonosov Moscow State University",
            K.FRAMEWORK, ["kaznu", "msu"], S.EXPIRED, dt.date(2016, 9, 1), dt.date(2021, 8, 31),
            titles={"ru": "Соглашение о сотрудничестве между КазНУ имени аль-Фараби и МГУ "
                    "имени М. В. Ломоносова"},
            languages=("ru",), tags=("research", "students"),
            provisions=[(P.JOINT_RESEARCH, {"topic": "Mathematical modelling and mechanics",
                                            "description": ""}),
                        mobility("kaznu", "msu", "0541", places=3, months=15, eqf=(7, 8),
                                 language="ru", cefr="C1", years=("2016/2017", "2020/2021"))],
        ),
        Spec(
            "Agreement on cooperation between Al-Farabi Kazakh National University and "
            "Lomonosov Moscow State University (second period)",
            K.FRAMEWORK, ["kaznu", "msu"], S.ACTIVE, dt.date(2021, 9, 1), soon,
            titles={"ru": "Соглашение о сотрудничестве между КазНУ имени аль-Фараби и МГУ "
                    "имени М. В. Ломоносова (второй период)"},
            renews="Agreement on cooperation between Al-Farabi Kazakh National University and "
            "Lomonosov Moscow State University",
        ),
        Spec(
            "Memorandum of understanding between Al-Farabi Kazakh National University and "
            "Indiana University Bloomington on Central Eurasian studies",
            K.MOU, ["kaznu", "indiana"], S.EXPIRED, dt.date(2015, 3, 1), dt.date(2020, 2, 29),
            tags=("area studies",),
            provisions=[(P.JOINT_EVENTS, {"description": "Central Eurasian studies summer "
                                          "school", "events_per_year": 1})],
        ),
        Spec(
            "Agreement on the DAAD research scholarship programme at Al-Farabi Kazakh "
            "National University",
            K.FRAMEWORK, ["daad", "kaznu"], S.ACTIVE, dt.date(2023, 1, 1), dt.date(2027, 12, 31),
            titles={"de": "Vereinbarung über das DAAD-Forschungsstipendienprogramm an der "
                    "Al-Farabi-Universität"},
            public=True, languages=("en", "de"), tags=("scholarships", "phd"),
            provisions=[(P.SCHOLARSHIP, {"programme": "DAAD research grants for doctoral "
                                         "candidates", "places_per_year": 8,
                                         "stipend_amount": 1300, "currency": "EUR",
                                         "months": 6})],
        ),
        Spec(
            "Framework agreement on the Silk Road university network",
            K.FRAMEWORK, ["kaznu", "bsu", "nuu", "metu", "auca"], S.ACTIVE,
            dt.date(2022, 1, 1), dt.date(2027, 12, 31),
            titles={"ru": "Рамочное соглашение о сети университетов Шёлкового пути",
                    "tr": "İpek Yolu üniversiteler ağı çerçeve anlaşması"},
            public=True, languages=("en", "ru"), tags=("network", "research"),
            provisions=[(P.JOINT_EVENTS, {"description": "Annual Silk Road universities forum",
                                          "events_per_year": 1}),
                        (P.JOINT_RESEARCH, {"topic": "Water and energy in Central Asia and "
                                            "the Caspian region", "description": ""})],
        ),
        Spec(
            "Agreement on joint research in condensed matter physics between Al-Farabi Kazakh "
            "National University and the Institute of Physics of ANAS",
            K.FRAMEWORK, ["kaznu", "anas-physics"], S.NEGOTIATION,
            today + dt.timedelta(days=60), today + dt.timedelta(days=60 + 5 * 365),
            titles={"ru": "Соглашение о совместных исследованиях в физике конденсированного "
                    "состояния: КазНУ имени аль-Фараби — Институт физики НАНА"},
            languages=("ru", "en"), tags=("research", "physics"),
            provisions=[(P.JOINT_RESEARCH, {"topic": "Condensed matter physics",
                                            "description": "Shared beam time and samples."}),
                        (P.CENTER_ACCESS, {"unit_ids": [], "centers": [
                            "Laboratory of semiconductor physics"], "hours_per_year": 200,
                            "days_per_year": None})],
        ),
        Spec(
            "Agreement on joint research in the history of Kazakh-Azerbaijani relations",
            K.FRAMEWORK, ["kaznu", "anas-history"], S.SIGNING,
            today + dt.timedelta(days=20), today + dt.timedelta(days=20 + 3 * 365),
            titles={"ru": "Соглашение о совместных исследованиях истории казахско-"
                    "азербайджанских отношений",
                    "az": "Qazaxıstan-Azərbaycan münasibətləri tarixinin birgə tədqiqi haqqında "
                    "saziş"},
            languages=("ru", "az", "kk"), tags=("history", "research"),
            provisions=[(P.JOINT_RESEARCH, {"topic": "History of Kazakh-Azerbaijani relations",
                                            "description": ""})],
        ),
        Spec(
            "Double degree agreement in computer science between Al-Farabi Kazakh National "
            "University and Tsinghua University",
            K.JOINT_DEGREE, ["kaznu", "tsinghua"], S.DRAFT, None, None,
            titles={"zh": "阿里-法拉比哈萨克国立大学与清华大学计算机科学双学位协议"},
            tags=("double degree",),
            provisions=[mobility("kaznu", "tsinghua", "0613", places=4, months=40, eqf=(7,),
                                 years=("2027/2028", "2030/2031"))],
        ),
        Spec(
            "Memorandum of understanding between Azerbaijan National Academy of Sciences and "
            "Ivane Javakhishvili Tbilisi State University",
            K.MOU, ["anas", "tsu"], S.TERMINATED, dt.date(2019, 5, 1), dt.date(2029, 4, 30),
            reason="Terminated by mutual consent: the cooperation continues under the agreement "
            "between the academies of sciences of the two countries.",
            provisions=[(P.JOINT_EVENTS, {"description": "Caucasus studies workshops",
                                          "events_per_year": 1})],
        ),
        Spec(
            "Inter-institutional agreement between University of Warsaw and Heidelberg "
            "University",
            K.BILATERAL_EXCHANGE, ["uw", "heidelberg"], S.ACTIVE,
            dt.date(2022, 9, 1), dt.date(2028, 8, 31),
            titles={"pl": "Umowa międzyinstytucjonalna: Uniwersytet Warszawski — Uniwersytet "
                    "w Heidelbergu"},
            public=True, languages=("en", "de", "pl"), tags=("erasmus+",),
            provisions=[mobility("uw", "heidelberg", "0222", places=2, months=10, language="de",
                                 years=("2022/2023", "2027/2028")),
                        mobility("heidelberg", "uw", "0232", places=2, months=10, language="pl",
                                 cefr="B1", years=("2022/2023", "2027/2028"))],
        ),
        Spec(
            "Memorandum of understanding between Al-Farabi Kazakh National University and "
            "ADA University",
            K.MOU, ["kaznu", "ada"], S.DRAFT, None, None,
            titles={"az": "Əl-Farabi adına Qazax Milli Universiteti ilə ADA Universiteti "
                    "arasında anlaşma memorandumu"},
            tags=("diplomacy",),
        ),
        Spec(
            "Framework agreement on cooperation between Azerbaijan National Academy of Sciences "
            "and Baku State University",
            K.FRAMEWORK, ["anas", "bsu"], S.ACTIVE, dt.date(2021, 2, 1), dt.date(2031, 1, 31),
            titles={"az": "AMEA ilə Bakı Dövlət Universiteti arasında əməkdaşlıq haqqında "
                    "çərçivə sazişi"},
            public=True, languages=("az",), tags=("research", "phd"),
            provisions=[(P.JOINT_RESEARCH, {"topic": "Joint doctoral supervision",
                                            "description": ""})],
        ),
        Spec(
            "Memorandum of understanding between Al-Farabi Kazakh National University and "
            "Seoul National University",
            K.MOU, ["kaznu", "snu"], S.ACTIVE, today - dt.timedelta(days=5 * 365 - 30),
            today + dt.timedelta(days=30),
            titles={"ko": "알파라비 카자흐 국립대학교와 서울대학교 간 양해각서"},
            public=True, tags=("korean studies",),
            provisions=[(P.JOINT_EVENTS, {"description": "Korean studies seminars",
                                          "events_per_year": 2})],
        ),
    ]  # fmt: skip


SPREAD = (  # status, how many
    (S.ACTIVE, 18),
    (S.EXPIRED, 10),
    (S.TERMINATED, 5),
    (S.DRAFT, 9),
    (S.NEGOTIATION, 10),
    (S.SIGNING, 8),
)
FIELDS = ("0222", "0231", "0232", "0311", "0312", "0411", "0421", "0521", "0531", "0533",
          "0541", "0611", "0613", "0714", "0724", "0732", "0912")  # fmt: skip


def spread(today: dt.date, keys: dict[str, tuple[Any, ...]], taken: set[str]) -> list[Spec]:
    """Agreements between the demo institutions in every state, chosen by a fixed seed;
    none takes a title in `taken`."""
    rng = random.Random(2018)
    hubs = ["kaznu"] * 7 + ["anas"] * 3 + ["uw"] * 3
    everyone = [key for key, row in keys.items() if row[4] != M]
    specs: list[Spec] = []
    used: set[tuple[str, frozenset[str]]] = set()
    kinds = [K.MOU, K.MOU, K.BILATERAL_EXCHANGE, K.BILATERAL_EXCHANGE, K.FRAMEWORK, K.JOINT_DEGREE]
    for status, count in SPREAD:
        for number in range(count):
            while True:
                first = rng.choice(hubs) if rng.random() < 0.75 else rng.choice(everyone)
                second = rng.choice(everyone)
                kind = rng.choice(kinds)
                pair = frozenset((first, second))
                parents = {keys[first][9] or first, keys[second][9] or second}
                english, russian = KIND_TITLES[kind]
                a, b = keys[first], keys[second]
                title = f"{english} between {a[1]} and {b[1]}"
                if len(parents) == 2 and (kind, pair) not in used and title not in taken:
                    break
            used.add((kind, pair))
            years = rng.randint(3, 5)
            start: dt.date | None
            end: dt.date | None
            if status == S.ACTIVE:
                start = today - dt.timedelta(days=rng.randint(60, 1400))
                end = start + dt.timedelta(days=365 * years)
                if number < 4:  # ending within 90 days
                    end = today + dt.timedelta(days=rng.randint(10, 85))
                elif end <= today + dt.timedelta(days=90):
                    end = today + dt.timedelta(days=rng.randint(120, 900))
            elif status == S.EXPIRED:
                end = today - dt.timedelta(days=rng.randint(20, 1500))
                start = end - dt.timedelta(days=365 * years)
            elif status == S.TERMINATED:
                start = today - dt.timedelta(days=rng.randint(500, 2000))
                end = start + dt.timedelta(days=365 * years)
            else:
                start = today + dt.timedelta(days=rng.randint(20, 240))
                end = start + dt.timedelta(days=365 * years)
            provisions: list[tuple[str, dict[str, Any]]] = []
            first_year = (
                (start or today).year
                if (start or today).month >= 9
                else ((start or today).year - 1)
            )
            span = (f"{first_year}/{first_year + 1}", f"{first_year + 2}/{first_year + 3}")
            if kind in (K.BILATERAL_EXCHANGE, K.JOINT_DEGREE):
                provisions.append(
                    mobility(
                        first,
                        second,
                        rng.choice(FIELDS),
                        places=rng.randint(2, 6),
                        years=span,
                        eqf=(6, 7) if rng.random() < 0.6 else (7,),
                    )
                )
                if kind == K.BILATERAL_EXCHANGE and rng.random() < 0.6:
                    provisions.append(
                        mobility(
                            second,
                            first,
                            rng.choice(FIELDS),
                            kind="staff_teaching",
                            places=2,
                            days=10,
                            eqf=(),
                            cefr="",
                            years=span,
                        )
                    )
            else:
                provisions.append(
                    (
                        P.JOINT_RESEARCH,
                        {
                            "topic": rng.choice(
                                (
                                    "Materials science",
                                    "Climate and water resources",
                                    "Turkic philology",
                                    "Digital humanities",
                                    "Applied mathematics",
                                    "Public health",
                                    "Archaeology of the Silk Road",
                                    "Renewable energy",
                                )
                            ),
                            "description": "",
                        },
                    )
                )
                if rng.random() < 0.5:
                    provisions.append(
                        (
                            P.JOINT_EVENTS,
                            {
                                "description": "Joint conferences and summer schools",
                                "events_per_year": 1,
                            },
                        )
                    )
            if status == S.DRAFT and number % 3 == 0:
                start = end = None
            specs.append(Spec(
                title,
                kind, [first, second], status, start, end,
                titles={"ru": f"{russian}: {a[6].get('ru', a[1])} — {b[6].get('ru', b[1])}"},
                public=status == S.ACTIVE and rng.random() < 0.6,
                auto_renew=rng.random() < 0.2,
                languages=("en", "ru") if rng.random() < 0.5 else ("en",),
                tags=tuple(rng.sample(("research", "students", "staff", "summer school",
                                       "erasmus+", "phd"), rng.randint(0, 2))),
                provisions=provisions,
                reason="Terminated by mutual consent." if status == S.TERMINATED else "",
            ))  # fmt: skip
    # Two of the agreements ending soon are being renewed.
    ending = [spec for spec in specs if spec.status == S.ACTIVE][:2]
    for spec in ending:
        assert spec.valid_to is not None
        specs.append(
            Spec(
                f"{spec.title} (second period)",
                spec.kind,
                spec.parties,
                S.NEGOTIATION,
                spec.valid_to + dt.timedelta(days=1),
                spec.valid_to + dt.timedelta(days=5 * 365),
                titles={lang: f"{title} (второй период)" for lang, title in spec.titles.items()},
                renews=spec.title,
            )
        )
    return specs


@dataclass
class DemoResult:
    institutions: int = 0
    units: int = 0
    users: int = 0
    agreements: int = 0
    # Rows the research-center and mobility parts of the demo added.
    centers: int = 0
    mobilities: int = 0

    @property
    def created_anything(self) -> bool:
        return bool(
            self.institutions
            or self.units
            or self.users
            or self.agreements
            or self.centers
            or self.mobilities
        )


class DemoLoader:
    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or timezone.localdate()
        self.now = timezone.now()
        self.result = DemoResult()
        self.institutions: dict[str, Institution] = {}
        self.units: dict[str, Unit] = {}
        self.users: dict[str, User] = {}
        self.rows = {row[0]: row for row in INSTITUTIONS}

    def load(self) -> DemoResult:
        with transaction.atomic():
            self.load_people_and_institutions()
            told = story(self.today)
            for spec in [*told, *spread(self.today, self.rows, {spec.title for spec in told})]:
                self.agreement(spec)
        return self.result

    # Dating events to the story ---------------------------------------------------------------

    def when(self, day: dt.date) -> dt.datetime:
        return min(timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0))), self.now)

    @staticmethod
    def last_event_id() -> int:
        return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def date_events(self, since: int, moments: dict[str, dt.datetime]) -> None:
        """Give the events recorded after `since` the story's moment of their step: `moments`
        maps "created", "signed" and each status to a time; a minute apart in their order."""
        events = list(AuditEvent.objects.filter(pk__gt=since).order_by("pk"))
        for number, event in enumerate(events):
            if event.action == "agreement.status_changed":
                step = event.changes["status"][1]
            elif event.action == "agreement.party_signed":
                step = "signed"
            elif event.action == "agreement.document_uploaded":
                step = (
                    "signed" if event.changes.get("kind") == DocumentKind.SIGNED else S.NEGOTIATION
                )
            else:
                step = "created"
            moment = moments.get(step, moments["created"]) + dt.timedelta(minutes=number)
            event.created_at = min(moment, self.now)
        AuditEvent.objects.bulk_update(events, ["created_at"])

    # Institutions, units and people -----------------------------------------------------------

    def load_people_and_institutions(self) -> None:
        since = self.last_event_id()
        password = ""
        for username, first, last, email, staff, _roles in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                # One hash for every demo login: they share the published demo password.
                password = password or make_password(settings.ACCORD_DEMO_PASSWORD)
                user = User.objects.create(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=email,
                    is_staff=staff,
                    is_superuser=staff,
                    password=password,
                )
                self.result.users += 1
            self.users[username] = user
        admin = self.users["admin"]
        for row in INSTITUTIONS:
            key, name, country, city, kind, schac, names, ror, erasmus, parent = row
            found = (
                Institution.objects.filter(schac_code=schac)
                if schac
                else Institution.objects.filter(name=name, country=country)
            )
            institution = found.first()
            if institution is not None and names and not institution.names:
                # Imported from the world list first: it lacks the names in other languages.
                institutions.institution_update(actor=admin, institution=institution, names=names)
            elif institution is None:
                institution = institutions.institution_create(
                    actor=admin,
                    name=name,
                    country=country,
                    kind=kind,
                    names=names,
                    city=city,
                    website=f"https://{schac}/" if schac else "",
                    ror_id=ror,
                    schac_code=schac,
                    erasmus_code=erasmus,
                    parent=self.institutions[parent] if parent else None,
                )
                self.result.institutions += 1
            self.institutions[key] = institution
        for key, name, kind, names in UNITS:
            institution = self.institutions[key]
            unit = Unit.objects.filter(institution=institution, name=name).first()
            if unit is None:
                unit = institutions.unit_create(
                    actor=admin, institution=institution, name=name, kind=kind, names=names
                )
                self.result.units += 1
            self.units[name] = unit
        for username, *_rest, roles in USERS:
            for key, role in roles:
                membership_grant(
                    actor=admin,
                    institution=self.institutions[key],
                    user=self.users[username],
                    role=role,
                )
        self.date_events(since, {"created": self.when(dt.date(2014, 6, 2))})

    # Agreements -------------------------------------------------------------------------------

    def actor_for(self, parties: list[str]) -> User:
        for key, username in (("kaznu", "kaznu-officer"), ("uw", "uw-officer")):
            if key in parties:
                return self.users[username]
        return self.users["admin"]

    def terms(self, terms: dict[str, Any]) -> dict[str, Any]:
        """Institution keys and unit names in `terms` replaced by their ids."""
        resolved = dict(terms)
        for name in ("sending_institution", "receiving_institution"):
            if name in resolved:
                resolved[name] = self.institutions[resolved[name]].pk
        if resolved.get("unit_ids"):
            resolved["unit_ids"] = [self.units[unit].pk for unit in resolved["unit_ids"]]
        if resolved.get("unit_id"):
            resolved["unit_id"] = self.units[resolved["unit_id"]].pk
        return {key: "" if value is None else value for key, value in resolved.items()}

    def moments(self, spec: Spec) -> dict[str, dt.datetime]:
        """When each step of the agreement's story happened: drafted months before it takes
        effect, signed a few weeks before, ended the day after its last day."""
        anchor = spec.valid_from if spec.status in (S.ACTIVE, S.EXPIRED, S.TERMINATED) else None
        anchor = min(anchor, self.today) if anchor else None
        wobble = len(spec.title) % 20
        signed = spec.signed_on or (
            anchor - dt.timedelta(days=14 + wobble) if anchor else self.today
        )
        created = (
            signed - dt.timedelta(days=100 + 3 * wobble)
            if anchor
            else self.today - dt.timedelta(days=15 + 4 * wobble)
        )
        moments = {
            "created": created,
            S.NEGOTIATION: created + (signed - created) / 4,
            S.SIGNING: created + (signed - created) * 3 / 4,
            "signed": signed,
        }
        if anchor:
            moments[S.ACTIVE] = max(anchor, signed)
            if spec.valid_to:
                moments[S.EXPIRED] = spec.valid_to + dt.timedelta(days=1)
            moments[S.TERMINATED] = anchor + (self.today - anchor) * 2 / 3
        return {step: self.when(day) for step, day in moments.items()}

    def agreement(self, spec: Spec) -> Agreement:
        existing = Agreement.objects.filter(title=spec.title).first()
        if existing is not None:
            return existing
        since = self.last_event_id()
        moments = self.moments(spec)
        agreement = self.draft(spec)
        self.advance(spec, agreement, moments["signed"].date())
        self.date_events(since, moments)
        Agreement.objects.filter(pk=agreement.pk).update(created_at=moments["created"])
        Provision.objects.filter(agreement=agreement).update(created_at=moments["created"])
        AgreementDocument.objects.filter(agreement=agreement, kind=DocumentKind.SIGNED).update(
            uploaded_at=moments["signed"]
        )
        AgreementDocument.objects.filter(agreement=agreement, kind=DocumentKind.DRAFT).update(
            uploaded_at=moments[S.NEGOTIATION]
        )
        self.result.agreements += 1
        return agreement

    def draft(self, spec: Spec) -> Agreement:
        actor = self.actor_for(spec.parties)
        if spec.renews:
            assert spec.valid_from is not None and spec.valid_to is not None
            agreement = agreements.agreement_renew(
                actor=actor,
                agreement=Agreement.objects.get(title=spec.renews),
                valid_from=spec.valid_from,
                valid_to=spec.valid_to,
            )
            agreements.agreement_update(
                actor=actor, agreement=agreement, title=spec.title, titles=spec.titles
            )
        elif spec.amends:
            agreement = agreements.agreement_amend(
                actor=actor,
                agreement=Agreement.objects.get(title=spec.amends),
                title=spec.title,
                description=spec.description,
            )
            agreements.agreement_update(
                actor=actor,
                agreement=agreement,
                titles=spec.titles,
                valid_from=spec.valid_from,
                valid_to=spec.valid_to,
                tags=list(spec.tags),
                languages=list(spec.languages),
            )
        else:
            agreement = agreements.agreement_create(
                actor=actor,
                kind=spec.kind,
                title=spec.title,
                titles=spec.titles,
                institutions=[self.institutions[key] for key in spec.parties],
                description=spec.description,
                valid_from=spec.valid_from,
                valid_to=spec.valid_to,
                auto_renew=spec.auto_renew,
                languages=spec.languages,
                tags=spec.tags,
                is_public=spec.public,
            )
        for kind, terms in spec.provisions:
            agreements.provision_add(
                actor=actor, agreement=agreement, kind=kind, terms=self.terms(terms)
            )
        for party in agreement.parties.all():
            coordinator = self.coordinator(party.institution_id)
            if coordinator is not None:
                agreements.party_set_coordinator(actor=actor, party=party, coordinator=coordinator)
        return agreement

    def coordinator(self, institution_id: int) -> User | None:
        for key, username in COORDINATORS.items():
            if self.institutions[key].pk == institution_id:
                return self.users[username]
        return None

    def advance(self, spec: Spec, agreement: Agreement, signed_on: dt.date) -> None:
        """Take the draft along its lifecycle to the spec's status; each party's own people
        record its signature where the demo has them."""
        actor = self.actor_for(spec.parties)
        if spec.status == S.DRAFT:
            return
        agreements.agreement_transition(actor=actor, agreement=agreement, to_status=S.NEGOTIATION)
        if spec.status == S.NEGOTIATION:
            self.upload(actor, agreement, spec, DocumentKind.DRAFT)
            return
        agreements.agreement_transition(actor=actor, agreement=agreement, to_status=S.SIGNING)
        parties = list(agreement.parties.select_related("institution"))
        for number, party in enumerate(parties[:1] if spec.status == S.SIGNING else parties):
            name, position = (
                spec.signatories[number]
                if spec.signatories
                else SIGNATORIES[party.institution.country.code][(len(spec.title) + number) % 2]
            )
            agreements.party_sign(
                actor=self.coordinator(party.institution_id) or actor,
                party=party,
                signatory_name=name,
                signatory_position=position,
                signed_on=signed_on,
            )
        if spec.status == S.SIGNING:
            return
        self.upload(actor, agreement, spec, DocumentKind.SIGNED)
        agreements.agreement_transition(actor=actor, agreement=agreement, to_status=S.ACTIVE)
        if spec.status in (S.EXPIRED, S.TERMINATED):
            agreements.agreement_transition(
                actor=actor, agreement=agreement, to_status=spec.status, reason=spec.reason
            )

    def upload(self, actor: User, agreement: Agreement, spec: Spec, kind: str) -> None:
        parties = list(agreement.parties.select_related("institution"))
        lines = [
            f"Parties: {', '.join(party.institution.name for party in parties)}",
            f"Valid from {spec.valid_from or '-'} to {spec.valid_to or '-'}",
            "",
            *(
                f"For {party.institution.name}: {party.signatory_name}, "
                f"{party.signatory_position}, {party.signed_on}"
                for party in parties
                if party.signed_on
            ),
        ]
        stem = "signed" if kind == DocumentKind.SIGNED else "draft"
        agreements.document_upload(
            actor=actor,
            agreement=agreement,
            kind=kind,
            file=ContentFile(signed_pdf(spec.title, lines), name=f"agreement-{stem}.pdf"),
        )


def demo_load(today: dt.date | None = None) -> DemoResult:
    """Load the demo data set; what already exists stays as it is."""
    from accord.centers.demo import centers_demo_load
    from accord.mobility.demo import mobility_demo_load

    loader = DemoLoader(today)
    result = loader.load()
    result.centers = centers_demo_load(loader.today)
    result.mobilities = mobility_demo_load(loader.today)
    return result


def world_universities_import(path: Path | str | None = None) -> "ImportReport":
    """Add the World Universities and Domains list (the shipped copy unless `path` is given)
    to the register, leaving out the rows of the demo's own institutions so that their
    names and details stay as the demo has them."""
    from accord.institutions.importer import DEFAULT_FILE, import_institutions, load_rows

    path = path or DEFAULT_FILE
    demo_domains = {row[5] for row in INSTITUTIONS if row[5]}
    rows = [
        row
        for row in load_rows(path)
        if not (
            isinstance(row, dict)
            and isinstance(row.get("domains"), list)
            and demo_domains & {str(domain).strip().lower() for domain in row["domains"]}
        )
    ]
    return import_institutions(
        rows, actor=User.objects.filter(username="admin").first(), source=str(path)
    )


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, full name, roles) of each demo login."""
    names = {row[0]: row[1] for row in INSTITUTIONS}
    rows = []
    for username, first, last, _email, staff, roles in USERS:
        described = ["platform staff"] if staff else []
        described += [f"{role} at {names[key]}" for key, role in roles]
        rows.append((username, f"{first} {last}", ", ".join(described)))
    return rows
