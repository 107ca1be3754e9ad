import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_only_platform_staff_may_add_institutions(staff_user, officer):
    admin = MembershipFactory(role="admin").user
    assert staff_user.has_perm("institutions.add_institution")
    assert not admin.has_perm("institutions.add_institution")
    assert not officer.has_perm("institutions.add_institution")
    assert not AnonymousUser().has_perm("institutions.add_institution")


def test_staff_and_the_institutions_own_admins_may_change_it(staff_user, institution, partner):
    own_admin = MembershipFactory(institution=institution, role="admin").user
    partner_admin = MembershipFactory(institution=partner, role="admin").user
    officer = MembershipFactory(institution=institution, role="officer").user

    assert staff_user.has_perm("institutions.change_institution", institution)
    assert own_admin.has_perm("institutions.change_institution", institution)
    assert not partner_admin.has_perm("institutions.change_institution", institution)
    assert not officer.has_perm("institutions.change_institution", institution)
    assert not UserFactory().has_perm("institutions.change_institution", institution)
    assert not AnonymousUser().has_perm("institutions.change_institution", institution)
