import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accord.core.models import LoginFailure
from tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"


@pytest.fixture
def amina(db):
    return UserFactory(username="amina", email="amina@kaznu.kz", first_name="Amina")


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_IP_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900
    return settings


def log_in(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_login_page_asks_for_username_or_email(client, db):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert "Username or e-mail" in response.content.decode()


def test_user_logs_in_with_username(client, amina):
    response = log_in(client, "amina")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in_user_id(client) == str(amina.pk)


def test_user_logs_in_with_email_in_any_case(client, amina):
    response = log_in(client, "Amina@KazNU.kz")

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(amina.pk)


def test_login_follows_next(client, amina):
    response = client.post(
        LOGIN, {"username": "amina", "password": PASSWORD, "next": "/accounts/profile/"}
    )

    assert response["Location"] == "/accounts/profile/"


def test_wrong_password_is_refused_with_a_clear_message(client, amina):
    response = log_in(client, "amina", "not-the-password")

    assert response.status_code == 200
    assert "do not match an active account" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_inactive_user_cannot_log_in(client, amina):
    amina.is_active = False
    amina.save()

    response = log_in(client, "amina")

    assert response.status_code == 200
    assert logged_in_user_id(client) is None


def test_login_switches_to_the_users_language(client, amina):
    amina.language = "ru"
    amina.save()

    response = log_in(client, "amina")

    assert response.cookies["django_language"].value == "ru"


def test_logout_ends_the_session(client, amina):
    client.force_login(amina)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert logged_in_user_id(client) is None


# Throttling --------------------------------------------------------------------------------------


def test_failures_below_the_limit_do_not_throttle(client, amina, limits):
    log_in(client, "amina", "wrong-1")
    log_in(client, "amina", "wrong-2")

    response = log_in(client, "amina")

    assert response.status_code == 302


def test_right_password_is_refused_once_failures_reach_the_limit(client, amina, limits):
    for attempt in range(3):
        log_in(client, "amina", f"wrong-{attempt}")

    response = log_in(client, "amina")

    assert response.status_code == 200
    assert "Too many failed attempts. Try again in 15 minutes." in response.content.decode()
    assert logged_in_user_id(client) is None


def test_throttled_attempts_are_not_checked_nor_counted(client, amina, limits):
    for attempt in range(3):
        log_in(client, "amina", f"wrong-{attempt}")

    log_in(client, "amina", "wrong-again")
    log_in(client, "amina")

    assert LoginFailure.objects.count() == 3


def test_throttle_counts_username_and_email_alike_in_any_case(client, amina, limits):
    log_in(client, "AMINA", "wrong")
    log_in(client, "amina@kaznu.kz", "wrong")
    log_in(client, "Amina", "wrong")

    response = log_in(client, "amina", REMOTE_ADDR="198.51.100.7")

    assert "Too many failed attempts" in response.content.decode()
    assert set(LoginFailure.objects.values_list("username", flat=True)) == {"amina"}


def test_failures_from_one_address_throttle_every_username(client, amina, limits):
    for name in ("olzhas", "dana", "farid"):
        log_in(client, name, "guess", REMOTE_ADDR="203.0.113.9")

    from_there = log_in(client, "amina", REMOTE_ADDR="203.0.113.9")
    from_elsewhere = log_in(client, "amina", REMOTE_ADDR="198.51.100.7")

    assert "Too many failed attempts" in from_there.content.decode()
    assert from_elsewhere.status_code == 302


def test_address_behind_a_trusted_proxy_is_taken_from_forwarded_for(client, amina, limits):
    limits.ACCORD_PROXY_COUNT = 1

    log_in(
        client,
        "amina",
        "wrong",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9",
    )

    assert LoginFailure.objects.get().ip_address == "203.0.113.9"


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client, amina, limits):
    log_in(client, "amina", "wrong", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert LoginFailure.objects.get().ip_address == "127.0.0.1"


def test_successful_login_clears_the_accounts_failures(client, amina, limits):
    log_in(client, "amina", "wrong")
    log_in(client, "amina", "wrong")
    log_in(client, "amina")
    client.logout()

    log_in(client, "amina", "wrong")
    log_in(client, "amina", "wrong")
    response = log_in(client, "amina")

    assert response.status_code == 302


def test_throttle_lifts_when_the_failures_leave_the_window(client, amina, limits):
    for attempt in range(3):
        log_in(client, "amina", f"wrong-{attempt}")
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(seconds=901))

    response = log_in(client, "amina")

    assert response.status_code == 302


def test_waiting_time_counts_from_the_failure_that_leaves_the_window_first(client, amina, limits):
    for attempt in range(3):
        log_in(client, "amina", f"wrong-{attempt}")
    LoginFailure.objects.filter(pk=LoginFailure.objects.order_by("at").first().pk).update(
        at=timezone.now() - dt.timedelta(seconds=600)
    )

    response = log_in(client, "amina")

    assert "Try again in 5 minutes." in response.content.decode()


def test_recording_a_failure_prunes_failures_older_than_the_window(client, amina, limits):
    old = LoginFailure.objects.create(username="someone", ip_address="192.0.2.1")
    LoginFailure.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(hours=2))

    log_in(client, "amina", "wrong")

    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["amina"]


# Password reset and change ---------------------------------------------------------------------


def test_password_reset_mails_a_link_that_sets_a_new_password(client, amina):
    response = client.post("/accounts/password_reset/", {"email": "AMINA@kaznu.kz"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["amina@kaznu.kz"]
    assert mail.outbox[0].subject == "Reset your Accord password"
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line
    ).strip()
    path = link.split("testserver", 1)[1]

    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "steppe-horizon-2025", "new_password2": "steppe-horizon-2025"},
        follow=True,
    )

    assert "Your password is changed" in done.content.decode()
    assert log_in(client, "amina", "steppe-horizon-2025").status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post(
        "/accounts/password_reset/", {"email": "nobody@example.org"}, follow=True
    )

    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox == []


def test_used_password_reset_link_explains_it_no_longer_works(client, db):
    response = client.get("/accounts/reset/MQ/set-password/")

    assert "This link does not work" in response.content.decode()


def test_password_change_needs_the_old_password(client, amina):
    client.force_login(amina)
    assert client.get("/accounts/password_change/").status_code == 200

    wrong = client.post(
        "/accounts/password_change/",
        {
            "old_password": "wrong",
            "new_password1": "steppe-horizon-2025",
            "new_password2": "steppe-horizon-2025",
        },
    )
    right = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "steppe-horizon-2025",
            "new_password2": "steppe-horizon-2025",
        },
        follow=True,
    )

    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    assert "Your password is changed" in right.content.decode()
    amina.refresh_from_db()
    assert amina.check_password("steppe-horizon-2025")


def test_malformed_forwarded_for_falls_back_to_the_connection_address(client, amina, limits):
    limits.ACCORD_PROXY_COUNT = 1

    log_in(client, "amina", "wrong", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip")

    assert LoginFailure.objects.get().ip_address == "127.0.0.1"
