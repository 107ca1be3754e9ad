"""The constant tables of the demo data set: the seed memorandum's title and the center it
hosts, the institutions, units, people and their roles, the coordinators and signatories of
each side, and the titles, states and fields of study the generated agreements draw from.
"""

from typing import Any

from accord.agreements.models import AgreementKind, AgreementStatus, ProvisionKind
from accord.institutions.models import InstitutionKind, UnitKind

from ..models import Role

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

# institution key, name, position, e-mail, unit (a name of UNITS, or None)
CONTACTS: list[tuple[str, str, str, str, str | None]] = [
    ("kaznu", "Gulnara Abdrakhmanova", "Head of the Department of International Cooperation",
     "gulnara.abdrakhmanova@kaznu.kz", None),
    ("kaznu", "Rauf Guliyev", "Director", "rauf.guliyev@kaznu.kz", CENTER_NAME),
    ("anas", "Nigar Huseynova", "Head of the Department of International Relations",
     "nigar.huseynova@science.az", None),
    ("uw", "Katarzyna Nowak", "Erasmus+ institutional coordinator", "katarzyna.nowak@uw.edu.pl",
     None),
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
