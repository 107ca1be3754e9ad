"""Settings come from the environment; each case runs in a fresh Python process."""

import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "src" / "accord" / "settings.py"
CONFIGURATION = ROOT / "docs" / "configuration.env"
DEPLOY = ROOT / "docs" / "deploy.md"
COMMANDS = ROOT / "src" / "accord" / "core" / "management" / "commands"

PRODUCTION = {
    "ACCORD_HTTPS": "1",
    "ACCORD_SECRET_KEY": secrets.token_urlsafe(64),
    "ACCORD_ALLOWED_HOSTS": "accord.example.edu",
}


def clean_env(var_dir: Path, **variables: str) -> dict[str, str]:
    """The current environment without any Accord setting, plus `variables`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ACCORD_") and key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "accord.settings",
        "ACCORD_VAR_DIR": str(var_dir),
        **variables,
    }


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


DEPLOY_CHECK = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('check', '--deploy', '--fail-level', 'WARNING')"
)


def test_deploy_check_is_clean_with_the_documented_production_settings(tmp_path):
    for name in PRODUCTION:
        assert name in DEPLOY.read_text()

    result = run_python(DEPLOY_CHECK, clean_env(tmp_path, **PRODUCTION))

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_without_https(tmp_path):
    variables = {k: v for k, v in PRODUCTION.items() if k != "ACCORD_HTTPS"}

    result = run_python(DEPLOY_CHECK, clean_env(tmp_path, **variables))

    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS


def test_deploy_check_fails_with_debug_on(tmp_path):
    result = run_python(DEPLOY_CHECK, clean_env(tmp_path, **PRODUCTION, ACCORD_DEBUG="1"))

    assert result.returncode != 0
    assert "security.W018" in result.stderr


@pytest.mark.parametrize(
    ("value", "debug"), [(None, False), ("1", True), ("true", True), ("0", False), ("", False)]
)
def test_debug_is_on_only_when_accord_debug_is_set(tmp_path, value, debug):
    variables = {} if value is None else {"ACCORD_DEBUG": value}

    result = run_python(
        "from django.conf import settings; print(settings.DEBUG)", clean_env(tmp_path, **variables)
    )

    assert result.stdout.strip() == str(debug)


def test_secret_key_is_generated_into_var_on_first_start_and_kept(tmp_path):
    read_key = "from django.conf import settings; print(settings.SECRET_KEY)"

    first = run_python(read_key, clean_env(tmp_path)).stdout.strip()
    second = run_python(read_key, clean_env(tmp_path)).stdout.strip()

    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == first == second
    assert len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".secret_key")] == []


def test_secret_key_from_the_environment_wins_and_writes_no_file(tmp_path):
    result = run_python(
        "from django.conf import settings; print(settings.SECRET_KEY)",
        clean_env(tmp_path, ACCORD_SECRET_KEY="k" * 60),
    )

    assert result.stdout.strip() == "k" * 60
    assert not (tmp_path / "secret_key").exists()


def test_every_variable_the_code_reads_is_documented():
    sources = [SETTINGS, *COMMANDS.glob("*.py")]
    used = {
        name
        for source in sources
        for name in re.findall(r"\b(ACCORD_[A-Z_]+[A-Z]|DATABASE_URL)\b", source.read_text())
    }
    documented = set(re.findall(r"^#?([A-Z_]+)=", CONFIGURATION.read_text(), re.MULTILINE))

    assert used - documented == set()
    assert {"DATABASE_URL", "ACCORD_SECRET_KEY", "ACCORD_BIND", "PORT"} <= documented
