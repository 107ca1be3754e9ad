import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.factories import PASSWORD, InstitutionFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default hasher takes most of a test's set-up time; strength is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _default_language():
    # A request in another language leaves that language active in the thread, for whatever
    # the next test runs outside a request.
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _empty_cache():
    # What one test leaves in the cache (a search term's plan) would save the next one a query.
    yield
    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def institution(db):
    return InstitutionFactory(name="Al-Farabi Kazakh National University", country="KZ")


@pytest.fixture
def partner(db):
    return InstitutionFactory(name="Azerbaijan National Academy of Sciences", country="AZ")


@pytest.fixture
def officer(institution):
    return MembershipFactory(institution=institution, role="officer").user


@pytest.fixture
def institution_admin(institution):
    return MembershipFactory(institution=institution, role="admin").user


@pytest.fixture
def outsider(db):
    """An officer of an institution that is party to nothing the test creates."""
    return MembershipFactory(role="officer").user


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, username="platform-staff")


@pytest.fixture
def count_queries():
    """`with count_queries() as ctx: ...; len(ctx.captured_queries)`."""

    def make():
        return CaptureQueriesContext(connection)

    return make
