import pytest

from tests.factories import MembershipFactory


@pytest.fixture
def institution_admin(institution):
    return MembershipFactory(institution=institution, role="admin").user
