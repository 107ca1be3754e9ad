"""`accord ewp export|import`: inter-institutional agreements as Erasmus Without Paper IIAs.

`accord ewp export --institution X [--output FILE] [--agreement ID ...]` writes an IIAs API v7
get response with X's bilateral exchange agreements (to stdout unless --output is given) and
says on stderr which agreements could not be IIAs and why.

`accord ewp import FILE --institution X [--dry-run] [--as USERNAME]` reads a partner's IIAs
get response into X's agreements: nothing is written when the file is invalid or any of its
IIAs is refused, and the report names each refused IIA and the reason.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.core.models import User
from accord.institutions.models import Institution
from accord.institutions.selectors import institution_by_key


def _institution(value: str) -> Institution:
    value = value.strip()
    institution = institution_by_key(value)
    if institution is None:
        raise CommandError(f"No institution has the slug or SCHAC code {value!r}.")
    return institution


def _actor(username: str | None) -> User:
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user is called {username!r}.")
        return user
    user = User.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError(
            "No platform staff user to record the import as: create one with "
            "`accord createsuperuser`, or name a user with --as USERNAME."
        )
    return user


class Command(BaseCommand):
    help = (
        "Erasmus Without Paper IIAs (IIAs API v7): `ewp export` writes an institution's "
        "bilateral exchange agreements as a get response; `ewp import FILE` reads a partner's "
        "get response into them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="export|import")
        export = actions.add_parser(
            "export", help="Write the institution's bilateral exchange agreements as IIAs."
        )
        export.add_argument(
            "--institution", required=True, help="The local institution: slug or SCHAC code."
        )
        export.add_argument("--output", help="The file to write (stdout when left out).")
        export.add_argument(
            "--agreement",
            type=int,
            nargs="+",
            action="extend",
            dest="agreements",
            metavar="ID",
            help="Only these agreements.",
        )
        imported = actions.add_parser("import", help="Read a partner's IIAs get response.")
        imported.add_argument("file", help="The IIAs v7 get response to read.")
        imported.add_argument(
            "--institution", required=True, help="The local institution: slug or SCHAC code."
        )
        imported.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change, without changing anything.",
        )
        imported.add_argument(
            "--as",
            dest="username",
            help="The user the changes are recorded as (the first platform staff user when "
            "left out).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self.export(options)
        else:
            self.import_file(options)

    def export(self, options: dict[str, Any]) -> None:
        from accord.interop.ewp.iia_xml import bilateral_agreements_of, iias_export

        institution = _institution(options["institution"])
        if not institution.schac_code:
            raise CommandError(
                f"{institution.name} has no SCHAC code, which EWP identifies institutions by."
            )
        wanted = options.get("agreements")
        agreements = list(bilateral_agreements_of(institution, wanted))
        result = iias_export(agreements, local_institution=institution)
        if options.get("output"):
            Path(options["output"]).write_bytes(result.content)
        else:
            self.stdout.write(result.content.decode("utf-8"), ending="")
        for skipped in result.skipped:
            self.stderr.write(
                f"agreement {skipped.agreement_id} ({skipped.title}): skipped, {skipped.reason}"
            )
        found = {agreement.pk for agreement in agreements}
        for missing in sorted(set(wanted or []) - found):
            self.stderr.write(
                f"agreement {missing}: skipped, no bilateral exchange agreement of "
                f"{institution.name} has this id."
            )
        missing_count = len(set(wanted or []) - found)
        self.stderr.write(
            f"{len(result.exported)} IIAs of {institution.name} ({institution.schac_code}) "
            f"exported, {len(result.skipped) + missing_count} skipped."
        )

    def import_file(self, options: dict[str, Any]) -> None:
        from accord.interop.ewp.iia_import import EwpFileError, iias_import

        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        institution = _institution(options["institution"])
        if not institution.schac_code:
            raise CommandError(
                f"{institution.name} has no SCHAC code, which EWP identifies institutions by."
            )
        actor = _actor(options.get("username"))
        try:
            report = iias_import(
                actor=actor, data=data, institution=institution, dry_run=options["dry_run"]
            )
        except EwpFileError as error:
            raise CommandError(f"{path}: {error} Nothing was imported.") from None

        for outcome in report.outcomes:
            agreement = f" as agreement {outcome.agreement_id}" if outcome.agreement_id else ""
            line = f"{outcome.label}: {outcome.status}{agreement}"
            if outcome.reasons:
                line += ", " + " ".join(outcome.reasons)
            self.stdout.write(line)
            for note in outcome.notes:
                self.stdout.write(f"  note: {note}")
        summary = (
            f"{len(report.outcomes)} IIAs: {report.count('created')} created, "
            f"{report.count('updated')} updated, {report.count('unchanged')} unchanged, "
            f"{report.count('skipped')} skipped, {len(report.refused)} refused."
        )
        if report.refused:
            self.stdout.write(summary)
            raise CommandError(
                f"{len(report.refused)} of {len(report.outcomes)} IIAs refused; "
                "nothing was imported."
            )
        if report.dry_run:
            summary += " Dry run: nothing was changed."
        self.stdout.write(self.style.SUCCESS(summary))
