"""`make test` and `make bench` install the Debian packages they need when run as root, and
otherwise name exactly what to install (scripts/system-packages)."""

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-packages"


def run_without(tmp_path: Path, *, present: list[str], uid: int, target: str = "test"):
    """Runs the script on a PATH holding only the shell, `present` and an `id` saying `uid`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for command in ["bash", *present]:
        (bin_dir / command).symlink_to(shutil.which(command) or "/bin/true")
    fake_id = bin_dir / "id"
    fake_id.write_text(f"#!{shutil.which('bash')}\necho {uid}\n")
    fake_id.chmod(0o755)
    return subprocess.run(  # noqa: S603
        [str(bin_dir / "bash"), str(SCRIPT), target],
        env={"PATH": str(bin_dir), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_user_without_root_is_told_exactly_which_packages_to_install(tmp_path):
    result = run_without(tmp_path, present=["java"], uid=1000)

    assert result.returncode == 1
    assert "not installed: chromium npm postgresql-client" in result.stderr
    assert (
        "sudo apt-get install --no-install-recommends chromium npm postgresql-client"
        in result.stderr
    )


def test_nothing_is_asked_for_when_everything_is_there(tmp_path):
    result = run_without(
        tmp_path, present=["chromium", "java", "npm", "pg_dump", "pg_restore"], uid=1000
    )

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_benchmarks_ask_for_wrk(tmp_path):
    result = run_without(
        tmp_path, present=["pg_dump", "pg_restore", "psql"], uid=1000, target="bench"
    )

    assert result.returncode == 1
    assert "not installed: wrk" in result.stderr


@pytest.mark.skipif(shutil.which("apt-get") is None, reason="needs Debian's apt-get")
def test_root_without_apt_get_on_path_is_told_too(tmp_path):
    # Root, but the PATH holds no apt-get: the script cannot install, so it says what to.
    result = run_without(tmp_path, present=[], uid=0)

    assert result.returncode == 1
    assert "chromium default-jre-headless npm postgresql-client" in result.stderr
