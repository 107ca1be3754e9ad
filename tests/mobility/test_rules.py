"""Who may see and change a mobility, role by role."""

import pytest

from accord.mobility import selectors
from tests.factories import InstitutionFactory, UserFactory
from tests.mobility.records import MobilityFactory, officer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(db):
    return InstitutionFactory(name="Al-Farabi Kazakh National University", country="KZ")


@pytest.fixture
def host(db):
    return InstitutionFactory(name="University of Warsaw", country="PL")


@pytest.fixture
def student(home):
    return officer_of(home, role="student")


@pytest.fixture
def mobility(home, host, student):
    return MobilityFactory(home_institution=home, host_institution=host, user=student)


PERMISSIONS = (
    "mobility.view_mobility",
    "mobility.change_mobility",
    "mobility.transition_mobility",
    "mobility.record_return",
    "mobility.manage_obligations",
)


def held(user, mobility) -> list[str]:
    return [name.split(".")[1] for name in PERMISSIONS if user.has_perm(name, mobility)]


def test_home_officer_may_do_everything(home, mobility):
    assert held(officer_of(home), mobility) == [
        "view_mobility",
        "change_mobility",
        "transition_mobility",
        "record_return",
        "manage_obligations",
    ]


def test_home_coordinator_may_do_everything(home, mobility):
    assert len(held(officer_of(home, role="coordinator"), mobility)) == 5


def test_host_officer_only_sees(host, mobility):
    assert held(officer_of(host), mobility) == ["view_mobility"]


def test_third_institution_officer_may_do_nothing(mobility):
    assert held(officer_of(InstitutionFactory()), mobility) == []


def test_student_sees_their_own_only(home, host, student, mobility):
    classmate = MobilityFactory(home_institution=home, host_institution=host)

    assert held(student, mobility) == ["view_mobility"]
    assert held(student, classmate) == []


def test_researcher_of_the_home_institution_sees_nothing(home, mobility):
    assert held(officer_of(home, role="researcher"), mobility) == []


def test_platform_staff_may_do_everything(mobility):
    assert len(held(UserFactory(is_staff=True), mobility)) == 5


def test_selector_lists_the_same_as_the_rules(home, host, student, mobility):
    elsewhere = MobilityFactory()
    incoming = MobilityFactory(host_institution=home)
    users = {
        "home officer": officer_of(home),
        "host officer": officer_of(host),
        "outsider": officer_of(InstitutionFactory()),
        "student": student,
        "staff": UserFactory(is_staff=True),
    }

    listed = {
        who: sorted(m.pk for m in selectors.mobilities_visible_to(user))
        for who, user in users.items()
    }

    assert listed == {
        "home officer": sorted([mobility.pk, incoming.pk]),
        "host officer": [mobility.pk],
        "outsider": [],
        "student": [mobility.pk],
        "staff": sorted([mobility.pk, elsewhere.pk, incoming.pk]),
    }
