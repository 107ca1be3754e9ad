import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from accord.core import services
from accord.core.models import ApiToken, AuditEvent, Membership
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def superuser_client(client, db):
    from accord.core.models import User

    superuser = User.objects.create_superuser("root", "root@example.org", "root-password-1")
    client.force_login(superuser)
    return client


@pytest.fixture
def rows(institution):
    admin = MembershipFactory(institution=institution, role="admin").user
    services.api_token_create(actor=admin, user=admin, name="export")
    services.invitation_create(
        actor=admin, institution=institution, email="farid@science.az", role="researcher"
    )
    return admin


@pytest.mark.parametrize("model", ["user", "membership", "invitation", "apitoken", "auditevent"])
def test_admin_lists_core_models(superuser_client, rows, model):
    response = superuser_client.get(f"/admin/core/{model}/")

    assert response.status_code == 200


def test_user_admin_shows_memberships_inline(superuser_client, rows):
    page = superuser_client.get(f"/admin/core/user/{rows.pk}/change/").content.decode()

    assert "Memberships" in page
    assert 'name="memberships-0-institution"' in page
    assert "Al-Farabi Kazakh National University" in page


def test_api_token_admin_shows_the_hash_read_only(superuser_client, rows):
    token = ApiToken.objects.get()

    page = superuser_client.get(f"/admin/core/apitoken/{token.pk}/change/").content.decode()

    assert token.token_hash in page
    assert 'name="token_hash"' not in page
    assert superuser_client.get("/admin/core/apitoken/add/").status_code == 403


def test_api_token_admin_revokes_through_the_service(superuser_client, rows):
    token = ApiToken.objects.get()

    superuser_client.post(
        "/admin/core/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_audit_events_cannot_be_changed_or_deleted_in_admin(superuser_client, rows):
    event = AuditEvent.objects.first()

    change = superuser_client.post(
        f"/admin/core/auditevent/{event.pk}/change/", {"action": "forged"}
    )
    delete = superuser_client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"})

    assert change.status_code == 403
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, action=event.action).exists()
    assert superuser_client.get("/admin/core/auditevent/add/").status_code == 403


def test_membership_admin_edits_roles(superuser_client, rows, institution):
    membership = Membership.objects.get(user=rows)

    page = superuser_client.get(f"/admin/core/membership/{membership.pk}/change/")

    assert page.status_code == 200


def test_every_models_list_and_first_object_open_in_the_admin(client, db):
    call_command("demo", verbosity=0)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    failed = {}
    objects_opened = set()
    for model in admin.site._registry:
        meta = model._meta
        pages = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            objects_opened.add(meta.model_name)
            pages.append(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            )
        for url in pages:
            status = client.get(url).status_code
            if status != 200:
                failed[url] = status

    assert failed == {}
    # The demo fills the models whose pages have inlines of every kind.
    assert {"agreement", "institution", "researchcenter", "facility", "mobility"} <= objects_opened
