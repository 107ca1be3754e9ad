"""The list search finds the same agreements on both databases and by both of its plans
(the union of matches PostgreSQL reads through its trigram indexes, and the per-row test)."""

import pytest
from django.db import connection

from accord.agreements.filters import AgreementFilterForm, search_condition
from accord.agreements.models import Agreement
from accord.agreements.selectors import agreements_page, agreements_visible_to
from tests.factories import AgreementFactory, InstitutionFactory, MembershipFactory

pytestmark = pytest.mark.django_db

# Through the trigram indexes (PostgreSQL only), and testing each agreement (both databases).
PLANS = [False, *([True] if connection.vendor == "postgresql" else [])]


@pytest.fixture
def kaznu(db):
    return InstitutionFactory(
        name="Al-Farabi Kazakh National University",
        country="KZ",
        names={"ru": "Казахский национальный университет", "kk": "Әл-Фараби атындағы ҚазҰУ"},
    )


@pytest.fixture
def anas(db):
    return InstitutionFactory(
        name="Azerbaijan National Academy of Sciences",
        country="AZ",
        names={"az": "Azərbaycan Milli Elmlər Akademiyası"},
    )


@pytest.fixture
def warsaw(db):
    return InstitutionFactory(
        name="University of Warsaw", country="PL", names={"pl": "Uniwersytet Warszawski"}
    )


@pytest.fixture
def register(kaznu, anas, warsaw):
    """Four agreements; returns their titles by a short name."""
    memorandum = AgreementFactory(
        title="Memorandum of Understanding",
        titles={"ru": "Меморандум о взаимопонимании"},
        search_text="memorandum of understanding меморандум о взаимопонимании",
        parties=[kaznu, anas],
    )
    exchange = AgreementFactory(title="Student Exchange 50% Quota", parties=[anas, warsaw])
    joint = AgreementFactory(title="Joint Degree", parties=[kaznu, anas, warsaw])
    alone = AgreementFactory(title="Library Access", parties=[InstitutionFactory(name="Other")])
    return {
        "memorandum": memorandum.title,
        "exchange": exchange.title,
        "joint": joint.title,
        "alone": alone.title,
    }


def found(term, indexed):
    condition = search_condition(term, indexed=indexed)
    titles = list(Agreement.objects.filter(condition).values_list("title", flat=True))
    assert len(titles) == len(set(titles)), titles
    return sorted(titles)


def searched(search):
    form = AgreementFilterForm({"search": search})
    assert form.is_valid(), form.errors
    titles = list(form.filter(Agreement.objects.all()).values_list("title", flat=True))
    assert len(titles) == len(set(titles)), titles
    return sorted(titles)


@pytest.mark.parametrize("indexed", PLANS)
def test_a_title_in_another_language_is_found_in_cyrillic(register, indexed):
    assert found("взаимопонимании", indexed) == [register["memorandum"]]
    assert found("меморандум о", indexed) == [register["memorandum"]]


@pytest.mark.parametrize("indexed", PLANS)
def test_a_party_is_found_by_its_name_in_another_language(register, indexed):
    assert found("елмлер", indexed) == []
    assert found("elmlər", indexed) == sorted(
        [register["memorandum"], register["exchange"], register["joint"]]
    )
    assert found("warszawski", indexed) == sorted([register["exchange"], register["joint"]])
    assert found("атындағы", indexed) == sorted([register["memorandum"], register["joint"]])


@pytest.mark.parametrize("indexed", PLANS)
def test_an_agreement_with_several_matching_parties_is_found_once(register, indexed):
    # "national" is in KazNU's and ANAS's names, "university" in KazNU's and Warsaw's, and
    # the joint degree has all three.
    assert found("national", indexed) == sorted(
        [register["memorandum"], register["exchange"], register["joint"]]
    )
    assert found("university", indexed) == sorted(
        [register["memorandum"], register["exchange"], register["joint"]]
    )


@pytest.mark.parametrize("indexed", PLANS)
def test_a_title_and_a_party_matching_together_find_the_agreement_once(register, indexed):
    # "of" is in a title and in party names: fewer than three letters, no trigram.
    assert found("of", indexed) == sorted(
        [register["memorandum"], register["exchange"], register["joint"]]
    )
    assert found("understanding", indexed) == [register["memorandum"]]


@pytest.mark.parametrize("indexed", PLANS)
def test_like_wildcards_in_the_term_are_plain_characters(register, indexed):
    assert found("50%", indexed) == [register["exchange"]]
    assert found("50% quota", indexed) == [register["exchange"]]
    assert found("%", indexed) == [register["exchange"]]
    assert found("_", indexed) == []


def test_the_search_is_case_insensitive_in_any_script(register):
    assert searched("MEMORANDUM") == [register["memorandum"]]
    assert searched("ВЗАИМОПОНИМАНИИ") == [register["memorandum"]]
    assert searched("Warszawski") == sorted([register["exchange"], register["joint"]])
    assert searched("  ӘЛ-ФАРАБИ   атындағы ") == sorted(
        [register["memorandum"], register["joint"]]
    )


def test_short_terms_and_terms_without_a_match(register):
    # "ра" is in the Russian title of the memorandum and in KazNU's names.
    assert searched("ра") == sorted([register["memorandum"], register["joint"]])
    assert searched("a") == sorted(register.values())
    assert searched("nowhere to be found") == []


def test_an_officer_searches_only_their_own_agreements(register, kaznu):
    officer = MembershipFactory(institution=kaznu).user
    form = AgreementFilterForm({"search": "warszawski"})
    assert form.is_valid(), form.errors
    queryset = form.filter(agreements_visible_to(officer, own_only=form.own_only))
    page = agreements_page(queryset, 1, 50)
    assert [row.title for row in page.object_list] == [register["joint"]]
    assert (page.count, page.count_is_exact) == (1, True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_both_search_texts_have_a_trigram_index_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE indexname IN "
            "('agreement_search_trgm', 'institution_search_trgm') ORDER BY tablename"
        )
        rows = cursor.fetchall()
    assert [table for table, _ in rows] == ["agreements_agreement", "institutions_institution"]
    assert all("gin_trgm_ops" in definition for _, definition in rows)
