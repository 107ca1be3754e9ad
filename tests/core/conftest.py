import pytest

from tests.factories import MembershipFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; these tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def institution_admin(institution):
    return MembershipFactory(institution=institution, role="admin").user
