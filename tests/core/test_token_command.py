import io

import pytest
from django.core.management import CommandError, call_command

from accord.core.models import ApiToken
from accord.core.tokens import hash_secret
from tests.factories import UserFactory


@pytest.fixture
def amina(db):
    return UserFactory(username="amina", email="amina@kaznu.kz")


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_token_create_prints_the_token_once_and_stores_its_hash(amina, client):
    out, err = run("create", "amina", "--name", "nightly export")

    secret = out.strip()
    token = ApiToken.objects.get()
    assert token.name == "nightly export"
    assert token.user == amina
    assert token.token_hash == hash_secret(secret)
    assert "shown only now" in err
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert me.json()["username"] == "amina"


def test_token_create_accepts_the_email_address(amina):
    run("create", "AMINA@kaznu.kz")

    assert ApiToken.objects.get().name == "command line"


def test_token_list_shows_prefixes_never_secrets(amina):
    first, _ = run("create", "amina", "--name", "first")
    run("create", "amina", "--name", "second")

    out, _ = run("list", "amina")

    assert "first" in out
    assert "second" in out
    assert first.strip()[:12] in out
    assert first.strip() not in out


def test_token_revoke_stops_the_token(amina, client):
    secret, _ = run("create", "amina")
    token = ApiToken.objects.get()

    out, _ = run("revoke", str(token.pk))

    assert "revoked" in out
    assert (
        client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret.strip()}").status_code == 401
    )
    assert "no working tokens" in run("list", "amina")[0]


def test_token_commands_name_what_is_missing(amina):
    with pytest.raises(CommandError, match="No user with the username or e-mail 'nobody'"):
        run("create", "nobody")
    with pytest.raises(CommandError, match="No token with the id 999"):
        run("revoke", "999")
    with pytest.raises(CommandError):
        run()
