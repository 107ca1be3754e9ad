import datetime as dt
import re
import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client
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


@pytest.fixture
def clock(monkeypatch):
    """Django's clock, stopped, and moved on by `clock.advance(seconds)`."""

    class Clock:
        now = timezone.now()

        def advance(self, seconds: float) -> None:
            self.now += dt.timedelta(seconds=seconds)

    stopped = Clock()
    monkeypatch.setattr(timezone, "now", lambda: stopped.now)
    return stopped


def fail(client, username, times, clock, **extra):
    """`times` wrong passwords, each once the one before it may be followed."""
    for attempt in range(times):
        response = log_in(client, username, f"wrong-{attempt}", **extra)
        if response.status_code == 429:
            clock.advance(int(response["Retry-After"]))
            response = log_in(client, username, f"wrong-{attempt}", **extra)
        assert response.status_code == 200


def test_failures_below_the_limit_do_not_throttle(client, amina, limits):
    log_in(client, "amina", "wrong-1")
    log_in(client, "amina", "wrong-2")

    response = log_in(client, "amina")

    assert response.status_code == 302


def test_after_the_limit_the_right_password_waits_a_second(client, amina, limits, clock):
    fail(client, "amina", 3, clock)

    response = log_in(client, "amina")

    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert "Too many failed attempts. Try again in 1 second." in response.content.decode()
    assert logged_in_user_id(client) is None


def test_the_wait_is_told_in_the_readers_language(client, amina, limits, clock):
    fail(client, "amina", 3, clock)

    response = log_in(client, "amina", HTTP_ACCEPT_LANGUAGE="ru")

    assert "Повторите через 1 секунду." in response.content.decode()


def test_the_right_password_is_taken_once_the_wait_is_over(client, amina, limits, clock):
    fail(client, "amina", 3, clock)
    clock.advance(1)

    response = log_in(client, "amina")

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(amina.pk)


def test_each_further_failure_doubles_the_wait(client, amina, limits, clock):
    fail(client, "amina", 3, clock)
    waits = []
    for attempt in range(4):
        refused = log_in(client, "amina", f"again-{attempt}")
        waits.append(int(refused["Retry-After"]))
        clock.advance(waits[-1])
        assert log_in(client, "amina", f"again-{attempt}").status_code == 200

    assert waits == [1, 2, 4, 8]


def test_the_wait_grows_no_longer_than_the_longest_delay(client, amina, limits, clock):
    limits.LOGIN_DELAY_MAX_SECONDS = 300
    for _ in range(15):
        LoginFailure.objects.create(username="amina", ip_address="127.0.0.1")

    response = log_in(client, "amina")

    assert response["Retry-After"] == "300"
    assert "Too many failed attempts. Try again in 5 minutes." in response.content.decode()


def test_throttled_attempts_are_not_checked_nor_counted(client, amina, limits, clock):
    fail(client, "amina", 3, clock)

    log_in(client, "amina", "wrong-again")
    log_in(client, "amina")

    assert LoginFailure.objects.count() == 3


def test_throttle_counts_username_and_email_alike_in_any_case(client, amina, limits):
    log_in(client, "AMINA", "wrong")
    log_in(client, "amina@kaznu.kz", "wrong")
    log_in(client, "Amina", "wrong")

    response = log_in(client, "amina")

    assert response.status_code == 429
    assert set(LoginFailure.objects.values_list("username", flat=True)) == {"amina"}


def test_failures_from_elsewhere_never_refuse_the_right_password(client, amina, limits, clock):
    fail(client, "amina", 10, clock, REMOTE_ADDR="203.0.113.9")

    from_there = log_in(client, "amina", REMOTE_ADDR="203.0.113.9")
    from_elsewhere = log_in(client, "amina", REMOTE_ADDR="198.51.100.7")

    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


def test_failures_from_one_address_at_many_accounts_delay_every_account_from_there(
    client, amina, limits
):
    limits.LOGIN_FAILURE_IP_LIMIT = 4
    for name in ("olzhas", "dana", "farid", "leyla"):
        log_in(client, name, "guess", REMOTE_ADDR="203.0.113.9")

    from_there = log_in(client, "amina", REMOTE_ADDR="203.0.113.9")
    from_elsewhere = log_in(client, "amina", REMOTE_ADDR="198.51.100.7")

    assert from_there.status_code == 429
    assert "Too many failed attempts" in from_there.content.decode()
    assert from_elsewhere.status_code == 302


def test_an_ipv6_client_is_counted_by_its_network(client, amina, limits):
    limits.LOGIN_FAILURE_IP_LIMIT = 4
    for number, name in enumerate(("olzhas", "dana", "farid", "leyla"), start=1):
        log_in(client, name, "guess", REMOTE_ADDR=f"2001:db8:7:1::{number}")

    same_network = log_in(client, "amina", REMOTE_ADDR="2001:db8:7:1:ffff::9")
    next_network = log_in(client, "amina", REMOTE_ADDR="2001:db8:7:2::1")

    assert same_network.status_code == 429
    assert next_network.status_code == 302


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


def test_successful_login_clears_the_failures_from_its_address(client, amina, limits):
    log_in(client, "amina", "wrong")
    log_in(client, "amina", "wrong")
    log_in(client, "amina")
    client.logout()

    log_in(client, "amina", "wrong")
    log_in(client, "amina", "wrong")
    response = log_in(client, "amina")

    assert response.status_code == 302
    assert LoginFailure.objects.count() == 0


def test_a_login_elsewhere_leaves_the_failures_from_an_address(client, amina, limits, clock):
    fail(client, "amina", 3, clock, REMOTE_ADDR="203.0.113.9")

    assert log_in(client, "amina", REMOTE_ADDR="198.51.100.7").status_code == 302
    client.logout()

    assert log_in(client, "amina", REMOTE_ADDR="203.0.113.9").status_code == 429


def test_throttle_lifts_when_the_failures_leave_the_window(client, amina, limits, clock):
    fail(client, "amina", 6, clock)
    clock.advance(901)

    response = log_in(client, "amina")

    assert response.status_code == 302


def test_an_attempt_prunes_failures_older_than_the_window(client, amina, limits):
    old = LoginFailure.objects.create(username="someone", ip_address="192.0.2.1")
    LoginFailure.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(hours=2))

    log_in(client, "amina", "wrong")

    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["amina"]


def test_the_admins_login_is_throttled_alike(client, db, limits, clock):
    UserFactory(username="root", email="root@kaznu.kz", is_staff=True, is_superuser=True)
    for attempt in range(3):
        client.post("/admin/login/", {"username": "root", "password": f"wrong-{attempt}"})

    refused = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    clock.advance(1)
    taken = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})

    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    assert "Too many failed attempts" in refused.content.decode()
    assert taken.status_code == 302


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_attempts_sent_at_once_count_one_another(limits):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent writers")
    UserFactory(username="amina", email="amina@kaznu.kz")
    barrier = threading.Barrier(12)
    answers: list[int] = []

    def attempt(index: int) -> None:
        try:
            barrier.wait()
            answers.append(log_in(Client(), "amina", f"guess-{index}").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [200] * 3 + [429] * 9
    assert LoginFailure.objects.count() == 3


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


def without_csrf_tokens(html: str) -> str:
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")\w+', r"\1", html)


def ask_for_reset(client, email, **extra):
    return client.post("/accounts/password_reset/", {"email": email}, **extra)


def test_a_second_reset_mail_to_one_address_waits(client, amina, clock):
    first = ask_for_reset(client, "amina@kaznu.kz")
    second = ask_for_reset(client, "Amina@KazNU.kz")

    assert first.status_code == 302
    assert second.status_code == 429
    assert second["Retry-After"] == "300"
    assert "Too many links were asked for. Try again in 5 minutes." in second.content.decode()
    assert len(mail.outbox) == 1


def test_a_reset_mail_may_be_asked_for_again_after_the_interval(client, amina, clock):
    ask_for_reset(client, "amina@kaznu.kz")
    clock.advance(300)

    response = ask_for_reset(client, "amina@kaznu.kz")

    assert response.status_code == 302
    assert len(mail.outbox) == 2


def test_a_refused_reset_reads_the_same_whether_or_not_an_account_uses_the_address(
    client, amina, clock
):
    answers = {}
    for email in ("amina@kaznu.kz", "nobody@kaznu.kz"):
        first = ask_for_reset(client, email, follow=True)
        second = ask_for_reset(client, email)
        answers[email] = (
            first.status_code,
            first.redirect_chain,
            second.status_code,
            second["Retry-After"],
            without_csrf_tokens(first.content.decode()),
            without_csrf_tokens(second.content.decode().replace(email, "…")),
        )

    assert answers["amina@kaznu.kz"] == answers["nobody@kaznu.kz"]
    assert answers["nobody@kaznu.kz"][2] == 429


def test_one_client_asks_for_a_few_reset_links_an_hour(client, amina, clock, settings):
    settings.PASSWORD_RESET_IP_LIMIT = 3
    for name in ("dana", "farid", "olzhas"):
        assert ask_for_reset(client, f"{name}@kaznu.kz").status_code == 302

    from_there = ask_for_reset(client, "amina@kaznu.kz")
    from_elsewhere = ask_for_reset(client, "amina@kaznu.kz", REMOTE_ADDR="198.51.100.7")
    clock.advance(3600)
    an_hour_later = ask_for_reset(client, "leyla@kaznu.kz")

    assert from_there.status_code == 429
    assert from_there["Retry-After"] == "3600"
    assert from_elsewhere.status_code == 302
    assert an_hour_later.status_code == 302
    assert mail.outbox[0].to == ["amina@kaznu.kz"]
    assert len(mail.outbox) == 1


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
