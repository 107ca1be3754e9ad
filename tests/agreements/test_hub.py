"""Agreements are a hub: the agreements app imports no other domain, and each domain's
declaration (its agreement_hub.py) is what the agreement's page, services and daily jobs read."""

import ast
from pathlib import Path

import accord.agreements
from accord.agreements import hub

AGREEMENTS_DIR = Path(accord.agreements.__file__).parent
# Apps the agreements app may import: the platform's core and the register of institutions.
ALLOWED = {"accord.core", "accord.institutions", "accord.agreements"}


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_the_agreements_app_imports_no_other_domain():
    offending = {
        f"{path.relative_to(AGREEMENTS_DIR)}: {module}"
        for path in AGREEMENTS_DIR.rglob("*.py")
        for module in imported_modules(path)
        if module.startswith("accord.") and ".".join(module.split(".")[:2]) not in ALLOWED
    }

    assert sorted(offending) == []


def test_each_domain_declares_its_part_once():
    declared = {contribution.app_label: contribution for contribution in hub.contributions()}

    assert sorted(declared) == ["centers", "mobility"]
    assert [job.name for job in hub.daily_jobs()] == [
        "complete_past_bookings",
        "flag_bookings_of_ended_agreements",
        "send_obligation_reminders",
        "mark_stale_imports_failed",
    ]
