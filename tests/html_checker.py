"""Pages checked by the Nu HTML Checker (vnu.jar, installed by `make test` from package.json)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def html_errors(pages: dict[str, str], directory: Path) -> list[str]:
    """What the checker finds wrong in `pages` (url -> HTML), one line per error, naming the
    page; all pages in one run of the checker."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        pytest.fail(
            f"The Nu HTML Checker needs Java and {VNU_JAR.relative_to(ROOT)}: "
            "apt-get install default-jre-headless npm, then make test (it runs npm ci)"
        )
    files = {}
    for number, (url, html) in enumerate(sorted(pages.items())):
        path = directory / f"page-{number}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = url
    # Only the checker's own jar and the files just written are passed: nothing untrusted.
    checked = subprocess.run(  # noqa: S603
        [
            java,
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--exit-zero-always",
            "--format",
            "json",
            *(str(directory / name) for name in files),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    messages = json.loads(checked.stderr)["messages"]
    return [
        f"{files.get(message.get('url', '').rsplit('/', 1)[-1], message.get('url'))}: "
        f"{message['message']} "
        f"({message.get('extract', '').strip()[:120]})"
        for message in messages
    ]
