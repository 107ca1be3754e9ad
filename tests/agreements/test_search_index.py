"""The list search finds the same agreements on both databases and by both of its plans
(the union of matches PostgreSQL reads through its trigram indexes, and the per-row test)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.agreements.filters import AgreementFilterForm, search_condition
from accord.agreements.models import Agreement
from accord.agreements.selectors import agreements_page, agreements_visible_to
from accord.core.search_index import sqlite_has_trigram_fts
from accord.institutions.models import Institution
from tests.factories import AgreementFactory, InstitutionFactory, MembershipFactory

pytestmark = pytest.mark.django_db

SQLITE_FTS = connection.vendor == "sqlite" and sqlite_has_trigram_fts()
# Testing each agreement (both databases), and through the trigram indexes: PostgreSQL's
# union (forced), SQLite's FTS5 tables (its default for terms of three characters or more).
PLANS = [False, True if connection.vendor == "postgresql" else None]


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


# Terms the FTS5 query syntax would read as operators, prefixes or columns, LIKE wildcards,
# scripts whose case SQLite's LIKE does not fold, and runs of spaces and punctuation.
ODD_TERMS = [
    'say "hello"',
    '"',
    "a*b",
    "near(",
    "one or two",
    "one and two",
    "not-so",
    "^start",
    "search_text:x",
    "100%_sure",
    "straße",
    "i̇stanbul",
    "ǆemal",
    "ёлка",
    "  ",
    "…",
    "日本語",
]


@pytest.mark.parametrize("term", ODD_TERMS)
def test_odd_terms_find_the_same_agreements_by_every_plan(db, term):
    AgreementFactory(title='We say "hello" (a*b) near( one or two, one and two')
    AgreementFactory(title="A not-so ^start search_text:x, 100%_sure")
    AgreementFactory(title="Straße nach İstanbul, ǆemal")
    AgreementFactory(
        title="ЁЛКА and ёлка… 日本語の協定", parties=[InstitutionFactory(name="ǅemal")]
    )
    AgreementFactory(title="Nothing  in   common")
    results = [found(term, indexed) for indexed in PLANS]
    assert all(result == results[0] for result in results), results


@pytest.mark.skipif(not SQLITE_FTS, reason="the FTS5 trigram tables are SQLite's")
def test_sqlite_searches_through_its_trigram_tables_and_short_terms_without(register):
    with CaptureQueriesContext(connection) as queries:
        assert searched("warszawski") == sorted([register["exchange"], register["joint"]])
    (sql,) = [query["sql"] for query in queries.captured_queries]
    assert '"agreements_agreement_fts" MATCH' in sql
    assert '"institutions_institution_fts" MATCH' in sql
    assert " LIKE " not in sql
    with CaptureQueriesContext(connection) as queries:
        assert searched("ра") == sorted([register["memorandum"], register["joint"]])
    assert "MATCH" not in queries.captured_queries[0]["sql"]


@pytest.mark.skipif(not SQLITE_FTS, reason="the FTS5 trigram tables are SQLite's")
def test_sqlite_trigram_tables_follow_every_write_to_the_search_texts(register, warsaw):
    agreement = Agreement.objects.get(title=register["alone"])
    agreement.title = "Library Access and Reading Rooms"
    agreement.search_text = agreement.compute_search_text()
    agreement.save()
    assert found("reading room", None) == [agreement.title]
    assert found("library access", None) == [agreement.title]

    Agreement.objects.filter(pk=agreement.pk).update(search_text="renamed")
    assert found("reading room", None) == []
    assert found("renamed", None) == [agreement.title]

    bulk = Agreement.objects.bulk_create([Agreement(title="Bulk", search_text="bulk written")])
    assert found("bulk written", None) == ["Bulk"]
    Agreement.objects.filter(pk__in=[bulk[0].pk, agreement.pk]).delete()
    assert found("bulk written", None) == []
    assert found("renamed", None) == []

    Institution.objects.filter(pk=warsaw.pk).update(search_text="uniwersytet w stolicy")
    assert found("warszawski", None) == []
    assert found("stolicy", None) == sorted([register["exchange"], register["joint"]])


@pytest.mark.skipif(not SQLITE_FTS, reason="SQLite's FTS5 trigram tables")
def test_every_trigram_table_keeps_its_three_triggers_after_the_migrations(db):
    # SQLite copies a table to add a column to it, and the copy has no triggers: a migration
    # that forgets to build the index again leaves the searches reading a stale index.
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {name for (name,) in cursor.fetchall()}

    assert triggers >= {
        f"{table}_fts_{event}"
        for table in (Agreement._meta.db_table, Institution._meta.db_table)
        for event in ("insert", "delete", "update")
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is chosen on PostgreSQL")
def test_the_planners_estimate_for_a_term_is_asked_once_and_reused(db):
    AgreementFactory(title="Memorandum with the University of Warsaw")

    def explains_for(term: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            Agreement.objects.filter(search_condition(term)).count()
        return sum(query["sql"].startswith("EXPLAIN") for query in queries.captured_queries)

    assert explains_for("warsaw") == 1
    assert explains_for("warsaw") == 0  # the next page of the same search
    assert explains_for("memorandum") == 1  # another term is estimated on its own
