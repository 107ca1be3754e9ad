"""Institutions' names and agreements' titles are shown in the reader's language where one
is given, with the others beside them; exports and the API keep the main ones."""

import pytest
from django.utils import translation

from accord.agreements.models import ProvisionKind
from accord.agreements.provisions import provision_summary
from accord.centers.models import ResearchCenter
from accord.core.text import besides_shown
from tests.factories import AgreementFactory, ProvisionFactory

pytestmark = pytest.mark.django_db

KAZNU_RU = "Казахский национальный университет имени аль-Фараби"
TITLE_RU = "Меморандум о взаимопонимании"
TITLE = "Memorandum of understanding"


@pytest.fixture
def memorandum(institution, partner):
    institution.names = {"ru": KAZNU_RU, "kk": "Әл-Фараби атындағы Қазақ ұлттық университеті"}
    institution.save()
    return AgreementFactory(
        title=TITLE, titles={"ru": TITLE_RU}, parties=[institution, partner], is_public=True
    )


@pytest.fixture
def reader(client, officer):
    client.force_login(officer)
    return client


def page(client, url, language):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_the_list_shows_titles_and_party_names_in_the_readers_language(reader, memorandum):
    russian = page(reader, "/agreements/", "ru")
    english = page(reader, "/agreements/", "en")

    assert TITLE_RU in russian and KAZNU_RU in russian
    assert TITLE not in russian
    assert f">{TITLE}</a>" in english and KAZNU_RU not in english


def test_the_agreement_page_shows_the_main_title_beside_the_translation(reader, memorandum):
    russian = page(reader, f"/agreements/{memorandum.pk}/", "ru")
    english = page(reader, f"/agreements/{memorandum.pk}/", "en")

    assert f"<h1>{TITLE_RU}</h1>" in russian
    assert f"<li>{TITLE}</li>" in russian
    assert f"<h1>{TITLE}</h1>" in english
    assert f'<li lang="ru"><span class="lang">RU</span> {TITLE_RU}</li>' in english


def test_a_language_without_its_own_title_gets_the_main_one(reader, memorandum):
    polish = page(reader, f"/agreements/{memorandum.pk}/", "pl")

    assert f"<h1>{TITLE}</h1>" in polish
    assert TITLE_RU in polish  # among the other titles


def test_the_institution_pages_name_it_in_the_readers_language(reader, memorandum, institution):
    detail = page(reader, f"/institutions/{institution.slug}/", "ru")
    public = page(reader, f"/p/{institution.slug}/", "ru")

    for html in (detail, public):
        assert f"<h1>{KAZNU_RU}</h1>" in html
        assert institution.name in html  # the main name, among the others


def test_exports_and_the_api_keep_the_main_title_and_names(reader, memorandum):
    export = reader.get("/agreements/export.csv", HTTP_ACCEPT_LANGUAGE="ru")
    listed = reader.get("/api/v1/agreements/", HTTP_ACCEPT_LANGUAGE="ru").json()["results"][0]

    assert TITLE in b"".join(export.streaming_content).decode()
    assert listed["title"] == TITLE
    assert listed["titles"] == {"ru": TITLE_RU}
    assert listed["parties"][0]["institution"]["name"] == "Al-Farabi Kazakh National University"


def test_besides_shown_leaves_out_what_the_reader_sees():
    names = {"ru": "Р", "kk": "К", "az": ""}

    with translation.override("ru"):
        assert besides_shown("Main", names) == [("", "Main"), ("kk", "К")]
    with translation.override("en"):
        assert besides_shown("Main", names) == [("kk", "К"), ("ru", "Р")]
    with translation.override("kk"):
        assert besides_shown("Main", {"kk": "Main", "ru": "Р"}) == [("ru", "Р")]
    with translation.override("ru"):
        assert besides_shown("Main", {"ru": "Р", "kk": "Р"}) == [("", "Main")]


def test_a_provision_names_its_center_in_the_readers_language(memorandum, institution):
    center = ResearchCenter.objects.create(
        institution=institution,
        name="Azerbaijani Center of History and Culture",
        names={"ru": "Центр истории и культуры Азербайджана"},
        slug="azerbaijani-center",
    )
    provision = ProvisionFactory(
        agreement=memorandum,
        kind=ProvisionKind.CENTER_ACCESS,
        terms={"center_ids": [center.pk], "hours_per_year": 400},
    )

    with translation.override("ru"):
        assert ": Центр истории и культуры Азербайджана, 400" in provision_summary(provision)
    with translation.override("en"):
        assert ": Azerbaijani Center of History and Culture, 400" in provision_summary(provision)


@pytest.mark.parametrize("url", ["/agreements/new/", "/mobility/new/", "/mobility/imports/new/"])
def test_forms_offer_institutions_by_their_name_in_the_readers_language(reader, memorandum, url):
    russian = page(reader, url, "ru")
    english = page(reader, url, "en")

    assert KAZNU_RU in russian
    assert KAZNU_RU not in english
    assert "Al-Farabi Kazakh National University" in english


def test_a_centers_page_names_it_in_the_readers_language(reader, institution):
    center = ResearchCenter.objects.create(
        institution=institution,
        name="Azerbaijani Center of History and Culture",
        names={"ru": "Центр истории и культуры Азербайджана", "kk": "Әзербайжан орталығы"},
        slug="azerbaijani-center",
    )

    russian = page(reader, f"/centers/{center.slug}/", "ru")

    assert "<h1>Центр истории и культуры Азербайджана</h1>" in russian
    assert "<li>Azerbaijani Center of History and Culture</li>" in russian
    assert '<span class="lang">KK</span> Әзербайжан орталығы' in russian
    assert '<span class="lang">RU</span>' not in russian


def test_units_are_named_in_the_readers_language_on_the_page_and_in_choices(reader, institution):
    from accord.institutions.forms import ContactForm
    from accord.institutions.models import Unit

    Unit.objects.create(
        institution=institution,
        kind="faculty",
        name="Faculty of Philology",
        names={"ru": "Филологический факультет"},
    )

    russian = page(reader, f"/institutions/{institution.slug}/", "ru")
    english = page(reader, f"/institutions/{institution.slug}/", "en")
    with translation.override("ru"):
        choices = [
            label for _value, label in ContactForm(institution=institution)["unit"].field.choices
        ]

    assert '<span class="unit-name">Филологический факультет</span>' in russian
    assert '<span class="unit-name">Faculty of Philology</span>' in english
    assert "Филологический факультет" in choices
