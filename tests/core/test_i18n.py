import ast
import datetime as dt
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone, translation
from django.utils.translation import ngettext
from django_countries import countries

from accord.agreements.models import AgreementStatus
from tests.factories import PASSWORD, AgreementFactory, UserFactory

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
# Texts of Django and django-countries that their own catalogs lack in a language.
THIRD_PARTY_DIR = LOCALE_DIR / "thirdparty"
LOGIN = "/accounts/login/"
AGREEMENTS = "/agreements/"
# Language code -> number of plural forms its catalog declares.
PLURAL_FORMS = {"ru": 3, "kk": 2, "az": 2, "pl": 3}
TRANSLATED = [code for code in PLURAL_FORMS if (LOCALE_DIR / code).is_dir()]
CATALOGS = [
    pytest.param(
        language, directory / language / "LC_MESSAGES" / "django.po", id=f"{name}-{language}"
    )
    for name, directory in (("accord", LOCALE_DIR), ("thirdparty", THIRD_PARTY_DIR))
    for language in PLURAL_FORMS
    if (directory / language / "LC_MESSAGES" / "django.po").exists()
]

PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%|\{[a-z_]*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def forms(self) -> list[str]:
        return [self.msgstr[index] for index in sorted(self.msgstr)]


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a gettext catalog, the header (msgid "") first."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None
    started = False

    def finish() -> None:
        nonlocal entry, started
        if started:
            entries.append(entry)
        entry, started = Entry(), False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#,"):
            if started and entry.msgstr:
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            if started and entry.msgstr:
                finish()
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            assert target is not None, f"{path}:{number}: continuation line without a keyword"
            name, index = target
            if name == "msgstr":
                entry.msgstr[index or 0] += _unquote(line)
            else:
                setattr(entry, name, (getattr(entry, name) or "") + _unquote(line))
            continue
        if keyword in ("msgctxt", "msgid") and started and entry.msgstr:
            finish()
        if not started:
            entry.line, started = number, True
        entry.obsolete = entry.obsolete or obsolete
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            entry.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            setattr(entry, keyword, _unquote(rest))
            target = (keyword, None)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    finish()
    return entries


def header(path: Path) -> dict[str, str]:
    first = parse_po(path)[0]
    assert first.msgid == ""
    lines = [line for line in first.msgstr[0].splitlines() if ":" in line]
    return {key.strip(): value.strip() for key, value in (line.split(":", 1) for line in lines)}


def messages(path: Path) -> list[Entry]:
    return [entry for entry in parse_po(path)[1:] if not entry.obsolete]


def plural_rule(path: Path):
    return gettext.c2py(header(path)["Plural-Forms"].split("plural=", 1)[1].rstrip(";"))


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def describe(entry: Entry) -> str:
    return f"line {entry.line}: {entry.msgid[:60]!r}"


# Pages ---------------------------------------------------------------------------------------


def test_login_page_is_in_russian_when_the_browser_prefers_russian(client, db):
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="ru,en;q=0.5").content.decode()

    assert '<html lang="ru"' in page
    assert "<h1>Войти</h1>" in page
    assert "Имя пользователя или e-mail" in page
    assert "Забыли пароль?" in page
    assert "Username or e-mail" not in page


def test_login_page_is_in_kazakh_when_the_browser_prefers_kazakh(client, db):
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="kk").content.decode()

    assert '<html lang="kk"' in page
    assert "<h1>Кіру</h1>" in page
    assert "Пайдаланушы аты немесе e-mail" in page
    assert "Құпиясөзді ұмыттыңыз ба?" in page


def test_a_wrong_password_is_explained_in_the_chosen_language(client, db):
    UserFactory(username="aigerim")

    response = client.post(
        LOGIN, {"username": "aigerim", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="kk"
    )

    assert response.status_code == 200
    assert "құпиясөз ешбір белсенді тіркелгіге сәйкес келмейді" in response.content.decode()


def test_language_cookie_wins_over_the_browser_preference(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"

    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "<h1>Кіру</h1>" in page


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def two_agreements(institution, partner):
    return [
        AgreementFactory(parties=[institution, partner], status=AgreementStatus.ACTIVE),
        AgreementFactory(parties=[institution, partner], status=AgreementStatus.DRAFT),
    ]


def test_agreement_list_is_in_russian(officer_client, two_agreements):
    page = officer_client.get(AGREEMENTS, HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "<h1>Соглашения</h1>" in page
    assert "Новое соглашение" in page
    assert "2 соглашения" in page
    assert "Меморандум о взаимопонимании" in page
    assert "Действует" in page
    assert "Черновик" in page
    assert ">Применить<" in page
    assert "Memorandum of understanding" not in page


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Breadcrumb"), ("ru", "Навигационная цепочка"), ("pl", "Ścieżka nawigacyjna")],
)
def test_a_screen_reader_hears_the_breadcrumbs_named_in_the_readers_language(
    officer_client, two_agreements, institution, language, label
):
    for path in (f"{AGREEMENTS}{two_agreements[0].pk}/", f"/p/{institution.slug}/"):
        page = officer_client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()

        assert '<nav class="breadcrumb' in page
        assert f'aria-label="{label}"' in page, path


def test_agreement_list_is_in_kazakh(officer_client, two_agreements):
    page = officer_client.get(AGREEMENTS, HTTP_ACCEPT_LANGUAGE="kk").content.decode()

    assert "<h1>Келісімдер</h1>" in page
    assert "Жаңа келісім" in page
    assert "2 келісім" in page
    assert "Өзара түсіністік туралы меморандум" in page
    assert "Күшінде" in page
    assert ">Сүзу<" in page


def test_filtered_agreement_list_counts_matches_in_russian(officer_client, two_agreements):
    page = officer_client.get(
        AGREEMENTS, {"status": "active"}, HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()

    assert "Фильтрам соответствует 1 соглашение." in page


def test_footer_language_selector_switches_the_pages_to_kazakh(officer_client, two_agreements):
    response = officer_client.post(
        "/i18n/setlang/", {"language": "kk", "next": AGREEMENTS}, HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert response.status_code == 302
    assert response["Location"] == AGREEMENTS
    page = officer_client.get(AGREEMENTS, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "<h1>Келісімдер</h1>" in page


def test_dashboard_greets_a_kazakh_speaker_in_kazakh_after_login(client, officer):
    officer.language = "kk"
    officer.save(update_fields=["language"])

    client.post(LOGIN, {"username": officer.username, "password": PASSWORD})
    page = client.get("/").content.decode()

    assert "<h1>Шолу</h1>" in page


# Plural forms and the gaps of third-party catalogs --------------------------------------------


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "1 соглашение"),
        (2, "2 соглашения"),
        (4, "4 соглашения"),
        (5, "5 соглашений"),
        (11, "11 соглашений"),
        (12, "12 соглашений"),
        (21, "21 соглашение"),
        (22, "22 соглашения"),
        (25, "25 соглашений"),
        (101, "101 соглашение"),
        (111, "111 соглашений"),
    ],
)
def test_russian_counts_agree_with_the_number(count, expected):
    with translation.override("ru"):
        text = ngettext("%(total)s agreement", "%(total)s agreements", count)

    assert text % {"total": count} == expected


@pytest.mark.parametrize(("count", "expected"), [(1, "1 келісім"), (2, "2 келісім")])
def test_kazakh_nouns_stay_singular_after_a_number(count, expected):
    with translation.override("kk"):
        text = ngettext("%(total)s agreement", "%(total)s agreements", count)

    assert text % {"total": count} == expected


def test_third_party_catalogs_are_on_the_locale_path():
    assert THIRD_PARTY_DIR in [Path(path) for path in settings.LOCALE_PATHS], (
        "LOCALE_PATHS needs PACKAGE_DIR / 'locale' / 'thirdparty' after PACKAGE_DIR / 'locale'"
    )


def test_kazakh_relative_times_country_names_and_form_errors_are_kazakh():
    five_hours_ago = timezone.now() - dt.timedelta(hours=5, minutes=1)

    with translation.override("kk"):
        assert naturaltime(five_hours_ago) == "5\xa0сағат бұрын"
        assert str(countries.name("KZ")) == "Қазақстан"
        assert str(countries.name("AZ")) == "Әзірбайжан"
        assert translation.gettext("Enter a valid email address.") == (
            "Дұрыс e-mail мекенжайын енгізіңіз."
        )


# The catalogs ---------------------------------------------------------------------------------


def test_russian_and_kazakh_are_translated():
    assert {"ru", "kk"} <= set(TRANSLATED)


@pytest.mark.parametrize(("language", "path"), CATALOGS)
def test_catalog_header_names_language_charset_and_plural_forms(language, path):
    fields = header(path)

    assert fields["Language"] == language
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"].startswith(f"nplurals={PLURAL_FORMS[language]}; plural=")
    assert "fuzzy" not in parse_po(path)[0].flags


@pytest.mark.parametrize(("language", "path"), CATALOGS)
def test_catalog_has_no_untranslated_fuzzy_or_obsolete_entries(language, path):
    entries = parse_po(path)[1:]

    untranslated = [describe(e) for e in entries if not all(e.forms)]
    fuzzy = [describe(e) for e in entries if "fuzzy" in e.flags]
    obsolete = [describe(e) for e in entries if e.obsolete]
    wrong_form_count = [
        describe(e)
        for e in entries
        if e.msgid_plural is not None and len(e.forms) != PLURAL_FORMS[language]
    ]

    assert (untranslated, fuzzy, obsolete, wrong_form_count) == ([], [], [], [])


@pytest.mark.parametrize(("language", "path"), CATALOGS)
def test_translations_keep_the_placeholders_and_markup_of_the_source(language, path):
    rule = plural_rule(path)
    # A form may leave out the number only when it is used for exactly one.
    forms_for_one_only = {
        index
        for index in range(PLURAL_FORMS[language])
        if [n for n in range(1000) if rule(n) == index] == [1]
    }
    wrong = []
    for entry in messages(path):
        if entry.msgid_plural is None:
            if placeholders(entry.forms[0]) != placeholders(entry.msgid):
                wrong.append(describe(entry))
        else:
            for index, form in enumerate(entry.forms):
                allowed = [placeholders(entry.msgid_plural)]
                if index in forms_for_one_only:
                    allowed.append(placeholders(entry.msgid))
                if placeholders(form) not in allowed:
                    wrong.append(f"{describe(entry)} form {index}")
        for form in entry.forms:
            if sorted(HTML_TAG.findall(form)) != sorted(HTML_TAG.findall(entry.msgid)):
                wrong.append(f"{describe(entry)} markup")
            if form.endswith("\n") != entry.msgid.endswith("\n"):
                wrong.append(f"{describe(entry)} trailing newline")

    assert wrong == []


@pytest.mark.parametrize(("language", "path"), CATALOGS)
def test_compiled_catalog_is_up_to_date_with_the_po_file(language, path):
    with open(path.with_suffix(".mo"), "rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    rule = plural_rule(path)
    numbers = {rule(n): n for n in range(200)}

    stale = []
    for entry in messages(path):
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                found = translations.gettext(entry.msgid)
            else:
                found = translations.pgettext(entry.msgctxt, entry.msgid)
            if found != entry.forms[0]:
                stale.append(describe(entry))
            continue
        for index, form in enumerate(entry.forms):
            if entry.msgctxt is None:
                found = translations.ngettext(entry.msgid, entry.msgid_plural, numbers[index])
            else:
                found = translations.npgettext(
                    entry.msgctxt, entry.msgid, entry.msgid_plural, numbers[index]
                )
            if found != form:
                stale.append(f"{describe(entry)} form {index}")

    assert stale == []


def test_kazakh_dates_read_day_month_year():
    from datetime import date, datetime

    from django.utils import formats, translation

    with translation.override("kk"):
        assert formats.date_format(date(2026, 11, 29), "SHORT_DATE_FORMAT") == "29.11.2026"
        # Kazakh writes a month's name in lower case; Django's catalog capitalises it.
        assert formats.date_format(date(2026, 11, 29)) == "29 қараша 2026 ж."
        written = formats.date_format(datetime(2027, 5, 4, 9), "DATETIME_FORMAT")
        assert written == "4 мамыр 2027 ж. 09:00"


def test_the_language_menu_names_each_language_in_itself(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for own_name in ("English", "Русский", "Қазақ", "Azərbaycanca", "polski"):
        assert own_name in page


@pytest.mark.parametrize(
    ("language", "list_dates", "page_date"),
    [
        ("en", "1 Jan 2025 – 31 Dec 2029", "1 Jan 2025"),
        ("ru", "1 янв 2025 – 31 дек 2029", "1 янв 2025"),
        ("pl", "1 sty 2025 – 31 gru 2029", "1 sty 2025"),
        ("kk", "1 қан 2025 – 31 жел 2029", "1 қан 2025"),
    ],
)
def test_months_in_dates_are_written_as_each_language_writes_them(
    officer_client, two_agreements, language, list_dates, page_date
):
    # English capitalises a month's abbreviation; Russian, Polish and Kazakh do not.
    listed = officer_client.get(AGREEMENTS, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    detail = officer_client.get(
        f"{AGREEMENTS}{two_agreements[0].pk}/", HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    assert list_dates in listed
    assert f"<dd>{page_date}</dd>" in detail


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "4 May 2027"), ("ru", "4 мая 2027"), ("pl", "4 maj 2027"), ("kk", "4 мам 2027")],
)
def test_a_day_in_may_is_written_in_the_case_a_date_takes(language, written):
    # Russian abbreviates every month but May, whose name on its own ("май") a date does not
    # use: "4 мая". Django's catalog gives the name on its own; Accord's third-party one fixes it.
    from accord.core.text import readable_date

    with translation.override(language):
        assert readable_date(dt.date(2027, 5, 4)) == written


@pytest.mark.parametrize(("language", "chinese"), [("ru", "Китайский"), ("pl", "chiński")])
def test_each_language_an_agreement_offers_is_named_in_the_readers_language(language, chinese):
    from accord.agreements.forms import language_choices

    with translation.override("en"):
        english = dict(language_choices())
    with translation.override(language):
        named = dict(language_choices())

    assert named["zh"] == chinese
    assert [code for code in named if named[code] == english[code]] == []
