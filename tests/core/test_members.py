import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.formats import date_format

from accord.core import services
from accord.core.models import AuditEvent, Invitation, Membership, User
from accord.core.tokens import hash_secret
from tests.factories import PASSWORD, InstitutionFactory, MembershipFactory, UserFactory


@pytest.fixture
def kaznu(institution):
    return institution


def members_url(institution):
    return f"/accounts/institutions/{institution.slug}/members/"


def invite(client, institution, email="farid@science.az", role="researcher"):
    return client.post(members_url(institution) + "invite/", {"email": email, "role": role})


@pytest.fixture
def admin_client(client, institution_admin):
    client.force_login(institution_admin)
    return client


@pytest.fixture
def sent_invitation(kaznu, institution_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(
            actor=institution_admin, institution=kaznu, email="farid@science.az", role="researcher"
        )
    return invitation, token


def accept_url(token):
    return f"/accounts/invitations/{token}/"


# The members page ------------------------------------------------------------------------------


def test_admin_sees_members_pending_invitations_and_the_invite_form(
    admin_client, kaznu, institution_admin, sent_invitation
):
    MembershipFactory(institution=kaznu, role="researcher", user__first_name="Olzhas")

    page = admin_client.get(members_url(kaznu)).content.decode()

    assert "Olzhas" in page
    assert "Institution admin" in page
    assert "farid@science.az" in page
    assert "Send invitation" in page
    assert "Revoke" in page


def test_a_person_with_several_roles_is_listed_once_with_each_role_revocable(
    admin_client, kaznu, institution_admin
):
    person = MembershipFactory(
        institution=kaznu, role="officer", user__first_name="Olzhas", user__last_name="Ormanov"
    ).user
    second = MembershipFactory(institution=kaznu, role="reviewer", user=person)

    response = admin_client.get(members_url(kaznu))

    members = response.context["members"]
    assert [m.user for m in members].count(person) == 1
    olzhas = next(m for m in members if m.user == person)
    assert [m.role for m in olzhas.memberships] == ["officer", "reviewer"]
    page = response.content.decode()
    assert page.count("Olzhas Ormanov</td>") + page.count("Olzhas Ormanov<br>") == 1
    assert f"/members/{second.pk}/revoke/" in page
    assert "Revoke the role Reviewer of Olzhas Ormanov" in page
    assert "Revoke the role International officer of Olzhas Ormanov" in page


def test_member_who_is_not_admin_sees_members_but_cannot_manage(client, kaznu, officer):
    client.force_login(officer)

    response = client.get(members_url(kaznu))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Send invitation" not in page
    assert "Revoke" not in page


def test_outsider_may_not_see_the_members(client, kaznu, outsider):
    client.force_login(outsider)

    assert client.get(members_url(kaznu)).status_code == 403


def test_platform_staff_manage_any_institutions_members(client, kaznu, staff_user):
    client.force_login(staff_user)

    assert "Send invitation" in client.get(members_url(kaznu)).content.decode()


def test_unknown_institution_is_404(admin_client):
    assert admin_client.get("/accounts/institutions/nowhere/members/").status_code == 404


@pytest.mark.parametrize("rows", [1, 50])
def test_members_page_runs_a_constant_number_of_queries(
    admin_client, kaznu, institution_admin, rows, count_queries
):
    for n in range(rows):
        MembershipFactory(institution=kaznu, role="researcher")
        services.invitation_create(
            actor=institution_admin, institution=kaznu, email=f"p{n}@example.org", role="student"
        )

    with count_queries() as ctx:
        response = admin_client.get(members_url(kaznu))

    assert response.status_code == 200
    # session, user, institution, roles of the viewer, members, invitations
    assert len(ctx.captured_queries) == 6


# Inviting -------------------------------------------------------------------------------------


def test_admin_invites_by_email_and_the_mail_carries_the_link(
    admin_client, kaznu, institution_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(admin_client, kaznu, email="Farid@Science.AZ")

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "Farid@science.az",
        "researcher",
        institution_admin,
    )
    validity = invitation.expires_at - invitation.created_at
    assert abs(validity - dt.timedelta(days=14)) < dt.timedelta(minutes=1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Farid@science.az"]
    assert message.subject == "Invitation to join Al-Farabi Kazakh National University on Accord"
    link = next(line for line in message.body.splitlines() if "/accounts/invitations/" in line)
    assert link.startswith("http://127.0.0.1:8000/accounts/invitations/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash == hash_secret(token)
    event = AuditEvent.objects.get(action="invitation.created")
    assert event.target_id == str(kaznu.pk)
    assert event.changes == {"email": "Farid@science.az", "role": "researcher"}


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "The link works until {}. If"),
        ("ru", "Ссылка действует до {}. Если"),
        ("kk", "Сілтеме {} дейін жарамды."),
        ("az", "Keçid {} tarixinə qədər etibarlıdır."),
        ("pl", "Link działa do {}. Jeśli"),
    ],
)
def test_the_invitation_writes_its_expiry_date_in_the_inviters_language(
    admin_client, kaznu, institution_admin, django_capture_on_commit_callbacks, language, sentence
):
    # Django's Russian long date ends in "г.": at the end of a sentence it read "г..".
    with django_capture_on_commit_callbacks(execute=True):
        invite_in = {"HTTP_ACCEPT_LANGUAGE": language}
        admin_client.post(
            f"/accounts/institutions/{kaznu.slug}/members/invite/",
            {"email": "farid@science.az", "role": "researcher"},
            **invite_in,
        )

    body = mail.outbox[0].body
    expires = Invitation.objects.get().expires_at
    with translation.override(language):
        written = date_format(timezone.localtime(expires))
    assert sentence.format(written) in body
    assert ".." not in body


def test_the_invitation_names_the_institution_in_the_inviters_language(
    admin_client, kaznu, institution_admin, django_capture_on_commit_callbacks
):
    kaznu.names = {"ru": "Казахский национальный университет имени аль-Фараби"}
    kaznu.save()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            f"/accounts/institutions/{kaznu.slug}/members/invite/",
            {"email": "farid@science.az", "role": "researcher"},
            HTTP_ACCEPT_LANGUAGE="ru",
        )

    message = mail.outbox[0]
    assert "Казахский национальный университет имени аль-Фараби" in message.subject
    assert "Казахский национальный университет имени аль-Фараби" in message.body


def test_non_admin_invite_is_forbidden_and_creates_nothing(
    client, kaznu, officer, django_capture_on_commit_callbacks
):
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, kaznu)

    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.exists()
    assert mail.outbox == []


def test_admin_of_another_institution_cannot_invite_here(kaznu, partner):
    other_admin = MembershipFactory(institution=partner, role="admin").user

    with pytest.raises(PermissionDenied):
        services.invitation_create(
            actor=other_admin, institution=kaznu, email="x@example.org", role="student"
        )

    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("not-an-address", "researcher", "Enter a valid email address."),
        ("", "researcher", "This field is required."),
        ("farid@science.az", "rector", "Select a valid choice."),
    ],
)
def test_invite_with_bad_input_shows_form_errors(admin_client, kaznu, email, role, message):
    response = invite(admin_client, kaznu, email=email, role=role)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [("not-an-address", "researcher", "email"), ("farid@science.az", "rector", "role")],
)
def test_invitation_service_names_the_bad_field(kaznu, institution_admin, email, role, field):
    with pytest.raises(ValidationError) as error:
        services.invitation_create(
            actor=institution_admin, institution=kaznu, email=email, role=role
        )

    assert list(error.value.message_dict) == [field]


def test_second_pending_invitation_for_the_same_address_and_role_is_refused(
    admin_client, kaznu, sent_invitation
):
    response = invite(admin_client, kaznu, email="FARID@science.az")

    assert response.status_code == 400
    assert "already pending" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_inviting_someone_to_a_role_they_hold_is_refused(admin_client, kaznu):
    MembershipFactory(institution=kaznu, role="researcher", user__email="olzhas@kaznu.kz")

    response = invite(admin_client, kaznu, email="olzhas@kaznu.kz")

    assert "already holds this role" in response.content.decode()
    assert not Invitation.objects.exists()


# Accepting -------------------------------------------------------------------------------------


def test_logged_in_user_accepts_and_gets_the_role(client, kaznu, sent_invitation):
    invitation, token = sent_invitation
    farid = UserFactory(username="farid", email="farid@science.az")
    client.force_login(farid)

    page = client.get(accept_url(token))
    response = client.post(accept_url(token))

    assert "Accept the invitation" in page.content.decode()
    assert response.status_code == 302
    assert Membership.objects.filter(user=farid, institution=kaznu, role="researcher").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_by == farid
    assert invitation.accepted_at is not None
    actions = set(
        AuditEvent.objects.filter(target_id=str(kaznu.pk), actor=farid).values_list(
            "action", flat=True
        )
    )
    assert actions == {"invitation.accepted", "membership.granted"}


def test_accepted_invitation_cannot_be_used_again(client, kaznu, sent_invitation):
    _invitation, token = sent_invitation
    services.invitation_accept(token=token, user=UserFactory())
    client.force_login(UserFactory())

    response = client.post(accept_url(token))

    assert response.status_code == 410
    assert "already been accepted" in response.content.decode()
    assert Membership.objects.filter(institution=kaznu).count() == 2  # the admin and the first


def test_expired_invitation_says_so(client, sent_invitation):
    invitation, token = sent_invitation
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    response = client.get(accept_url(token))

    assert response.status_code == 410
    assert "This invitation has expired." in response.content.decode()


def test_unknown_invitation_token_says_the_link_is_not_valid(client, db):
    response = client.get(accept_url("inv_made-up"))

    assert response.status_code == 404
    assert "This invitation link is not valid." in response.content.decode()


def test_expired_invitation_cannot_be_accepted_by_the_service(sent_invitation):
    invitation, token = sent_invitation
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(token=token, user=UserFactory())

    assert not Membership.objects.filter(role="researcher").exists()


def signup(client, token, **overrides):
    data = {
        "username": "farid",
        "first_name": "Farid",
        "last_name": "Aliyev",
        "password": "caspian-sunrise-41",
        "password_confirm": "caspian-sunrise-41",
        **overrides,
    }
    return client.post(accept_url(token), data)


def test_visitor_signs_up_with_the_invited_email_and_gets_the_role(client, kaznu, sent_invitation):
    _invitation, token = sent_invitation

    page = client.get(accept_url(token)).content.decode()
    response = signup(client, token)

    assert "Create account and join" in page
    assert "farid@science.az" in page
    assert response.status_code == 302
    farid = User.objects.get(username="farid")
    assert farid.email == "farid@science.az"
    assert farid.get_full_name() == "Farid Aliyev"
    assert farid.check_password("caspian-sunrise-41")
    assert client.session["_auth_user_id"] == str(farid.pk)
    assert Membership.objects.filter(user=farid, institution=kaznu, role="researcher").exists()
    assert AuditEvent.objects.filter(action="user.created", actor=farid).exists()


def test_signup_with_an_email_that_has_an_account_is_refused(client, sent_invitation):
    invitation, token = sent_invitation
    UserFactory(username="farid-old", email="FARID@science.az")

    response = signup(client, token)

    assert response.status_code == 400
    assert "already exists. Log in with it to accept the invitation." in response.content.decode()
    assert not User.objects.filter(username="farid").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password_confirm": "something-else-99"}, "The two passwords differ."),
        ({"password": "12345678", "password_confirm": "12345678"}, "This password is too common."),
        ({"username": "Institution-Admin"}, "This username is taken"),
        ({"username": "farid aliyev"}, "Use letters, digits and @ . + - _ only"),
        ({"first_name": ""}, "This field is required."),
    ],
)
def test_signup_with_bad_input_shows_errors_and_creates_nothing(
    client, sent_invitation, institution_admin, overrides, message
):
    institution_admin.username = "institution-admin"
    institution_admin.save()
    _invitation, token = sent_invitation
    users_before = User.objects.count()

    response = signup(client, token, **overrides)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == users_before


def test_user_logged_in_after_signup_form_can_log_in_with_email(client, sent_invitation):
    _invitation, token = sent_invitation
    signup(client, token)
    client.logout()

    response = client.post(
        "/accounts/login/", {"username": "farid@science.az", "password": "caspian-sunrise-41"}
    )

    assert response.status_code == 302


# Revoking and withdrawing ----------------------------------------------------------------------


def test_admin_revokes_a_role(admin_client, kaznu, officer, institution_admin):
    membership = Membership.objects.get(user=officer)

    response = admin_client.post(members_url(kaznu) + f"{membership.pk}/revoke/")

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="membership.revoked")
    assert (event.actor, event.target_id) == (institution_admin, str(kaznu.pk))
    assert event.changes == {"user": officer.username, "role": "officer"}


def test_non_admin_cannot_revoke_a_role(client, kaznu, officer, institution_admin):
    client.force_login(officer)
    admin_membership = Membership.objects.get(user=institution_admin)

    response = client.post(members_url(kaznu) + f"{admin_membership.pk}/revoke/")

    assert response.status_code == 403
    assert Membership.objects.filter(pk=admin_membership.pk).exists()


def test_membership_of_another_institution_is_404_here(admin_client, kaznu, partner):
    elsewhere = MembershipFactory(institution=partner)

    response = admin_client.post(members_url(kaznu) + f"{elsewhere.pk}/revoke/")

    assert response.status_code == 404
    assert Membership.objects.filter(pk=elsewhere.pk).exists()


def test_last_admin_cannot_remove_their_own_role(admin_client, kaznu, institution_admin):
    membership = Membership.objects.get(user=institution_admin)

    response = admin_client.post(members_url(kaznu) + f"{membership.pk}/revoke/", follow=True)

    assert "needs at least one admin" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_admin_withdraws_an_invitation_and_its_link_stops_working(
    admin_client, client, kaznu, sent_invitation
):
    invitation, token = sent_invitation

    response = admin_client.post(
        f"/accounts/institutions/{kaznu.slug}/invitations/{invitation.pk}/revoke/"
    )
    admin_client.logout()
    link = client.get(accept_url(token))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert link.status_code == 410
    assert "withdrawn" in link.content.decode()
    assert AuditEvent.objects.filter(action="invitation.revoked").count() == 1


def test_non_admin_cannot_withdraw_an_invitation(client, kaznu, officer, sent_invitation):
    invitation, _token = sent_invitation
    client.force_login(officer)

    response = client.post(
        f"/accounts/institutions/{kaznu.slug}/invitations/{invitation.pk}/revoke/"
    )

    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_grant_is_idempotent_and_audited_once(kaznu, institution_admin):
    person = UserFactory()

    services.membership_grant(
        actor=institution_admin, institution=kaznu, user=person, role="reviewer"
    )
    services.membership_grant(
        actor=institution_admin, institution=kaznu, user=person, role="reviewer"
    )

    assert Membership.objects.filter(user=person).count() == 1
    assert AuditEvent.objects.filter(action="membership.granted").count() == 1


def test_grant_by_non_admin_is_refused(kaznu, officer):
    with pytest.raises(PermissionDenied):
        services.membership_grant(
            actor=officer, institution=kaznu, user=UserFactory(), role="admin"
        )


def test_manage_members_permission(kaznu, institution_admin, officer, staff_user, outsider):
    assert institution_admin.has_perm("core.manage_members", kaznu)
    assert staff_user.has_perm("core.manage_members", kaznu)
    assert not officer.has_perm("core.manage_members", kaznu)
    assert not outsider.has_perm("core.manage_members", kaznu)
    assert not institution_admin.has_perm("core.manage_members", InstitutionFactory())


def test_invitation_link_for_an_anonymous_visitor_offers_login(client, sent_invitation):
    _invitation, token = sent_invitation

    page = client.get(accept_url(token)).content.decode()

    assert f"/accounts/login/?next=/accounts/invitations/{token}/" in page


def test_existing_user_logs_in_from_the_invitation_and_accepts(client, kaznu, sent_invitation):
    _invitation, token = sent_invitation
    farid = UserFactory(username="farid", email="farid@science.az")

    login = client.post(
        "/accounts/login/",
        {"username": "farid", "password": PASSWORD, "next": accept_url(token)},
    )
    client.post(login["Location"])

    assert Membership.objects.filter(user=farid, institution=kaznu).exists()
