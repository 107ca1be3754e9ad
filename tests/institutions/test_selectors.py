import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accord.institutions import selectors
from accord.institutions.models import Institution
from tests.factories import InstitutionFactory, MembershipFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    kaznu = InstitutionFactory(
        name="Al-Farabi Kazakh National University",
        names={
            "ru": "Казахский национальный университет имени аль-Фараби",
            "kk": "Әл-Фараби атындағы Қазақ ұлттық университеті",
        },
        country="KZ",
        schac_code="kaznu.kz",
        ror_id="04wxnsj81",
    )
    anas = InstitutionFactory(
        name="Azerbaijan National Academy of Sciences",
        names={"az": "Azərbaycan Milli Elmlər Akademiyası"},
        kind="academy",
        country="AZ",
        schac_code="science.gov.az",
    )
    warsaw = InstitutionFactory(
        name="University of Warsaw",
        country="PL",
        schac_code="uw.edu.pl",
        erasmus_code="PL WARSZAW01",
    )
    return {"kaznu": kaznu, "anas": anas, "warsaw": warsaw}


def search(**filters) -> list[str]:
    queryset = selectors.institutions_visible_to(UserFactory())
    return sorted(i.schac_code for i in selectors.institution_search(queryset, **filters))


def test_the_register_is_visible_to_everyone(register):
    assert selectors.institutions_visible_to(AnonymousUser()).count() == 3
    member_elsewhere = MembershipFactory(role="admin").user
    assert selectors.institutions_visible_to(member_elsewhere).count() == 4


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("farabi", ["kaznu.kz"]),
        ("КАЗАХСКИЙ", ["kaznu.kz"]),
        ("қазақ ұлттық", ["kaznu.kz"]),
        ("Elmlər", ["science.gov.az"]),
        ("national", ["kaznu.kz", "science.gov.az"]),
        ("  warsaw ", ["uw.edu.pl"]),
        ("KAZNU.KZ", ["kaznu.kz"]),
        ("https://ror.org/04wxnsj81", ["kaznu.kz"]),
        ("pl warszaw01", ["uw.edu.pl"]),
        ("kaznu", []),
        ("harvard", []),
    ],
)
def test_search_finds_names_in_any_language_and_exact_identifiers(register, term, found):
    assert search(search=term) == found


def test_country_and_kind_filters_combine_with_search(register):
    assert search(country="az") == ["science.gov.az"]
    assert search(kind="academy") == ["science.gov.az"]
    assert search(search="national", country="KZ") == ["kaznu.kz"]
    assert search(search="national", kind="university") == ["kaznu.kz"]
    assert search() == ["kaznu.kz", "science.gov.az", "uw.edu.pl"]


def test_institution_get_answers_404_for_an_unknown_slug(register):
    assert selectors.institution_get(register["anas"].slug) == register["anas"]
    with pytest.raises(Http404):
        selectors.institution_get("no-such-institution")


def test_units_come_in_tree_order_with_depth(institution):
    physics = UnitFactory(institution=institution, name="Faculty of Physics")
    history = UnitFactory(institution=institution, name="Faculty of History")
    world = UnitFactory(institution=institution, name="Department of World History", parent=history)
    center = UnitFactory(institution=institution, name="Azerbaijani Center", parent=history)
    lab = UnitFactory(institution=institution, name="Archive Lab", parent=center)
    UnitFactory(name="Elsewhere")

    tree = selectors.institution_unit_tree(institution)

    assert [(node.unit, node.depth) for node in tree] == [
        (history, 0),
        (center, 1),
        (lab, 2),
        (world, 1),
        (physics, 0),
    ]


def test_institution_countries_lists_each_country_once(register):
    InstitutionFactory(country="KZ")
    assert selectors.institution_countries() == ["AZ", "KZ", "PL"]
    assert Institution.objects.count() == 4
