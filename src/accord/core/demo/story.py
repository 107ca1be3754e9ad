"""The agreements the demo tells: `Spec` describes one agreement and the state it has
reached, `mobility()` builds a mobility provision, `story()` is the hand-written part around the
seed memorandum and `spread()` adds agreements between the demo institutions in every state.
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from .data import CENTER_NAME, FIELDS, KIND_TITLES, SEED_TITLE, SPREAD, K, M, P, S


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
                # The research centers demo names both parties' centers (their labs too).
                (P.CENTER_ACCESS, {"unit_ids": [CENTER_NAME],
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
