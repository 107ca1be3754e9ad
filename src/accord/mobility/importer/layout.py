"""The column layout of a mobility import file, and the template offered for download.

The first row names the columns (in any order; letter case and spaces do not matter). Columns
marked required must be present and filled in on every row; the others may be left out of the
file or left blank. docs/mobility-import.md describes the same layout for people.
"""

import csv
import io
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str | Promise
    example: str


COLUMNS: tuple[Column, ...] = (
    Column(
        "external_id",
        True,
        _("Your stable id of the mobility; importing it again updates the same record."),
        "KZ-2025-0001",
    ),
    Column("person_kind", False, _("student (the default) or staff."), "student"),
    Column("given_names", True, _("Given names of the person."), "Aigerim"),
    Column("family_name", True, _("Family name of the person."), "Nurlanovna"),
    Column("email", False, _("E-mail address."), "aigerim@example.org"),
    Column("birth_date", False, _("Date of birth, YYYY-MM-DD."), "2003-04-17"),
    Column("nationality", False, _("ISO 3166 two-letter country code, e.g. KZ."), "KZ"),
    Column(
        "esi",
        False,
        _("European Student Identifier."),
        "urn:schac:personalUniqueCode:int:esi:kaznu.kz:123456",
    ),
    Column(
        "home_institution",
        False,
        _("The importing institution (SCHAC code, ROR id or exact name); blank means it."),
        "kaznu.kz",
    ),
    Column("home_unit", False, _("Exact name of a unit of the home institution."), ""),
    Column(
        "host_institution",
        True,
        _("SCHAC code (internet domain), ROR id or exact name of the host institution."),
        "uw.edu.pl",
    ),
    Column("host_unit", False, _("Exact name of a unit of the host institution."), ""),
    Column(
        "kind",
        True,
        _("degree_study, semester_exchange, traineeship, teaching, training or research_stay."),
        "semester_exchange",
    ),
    Column("eqf_level", False, _("EQF level, 1 to 8 (6 bachelor, 7 master, 8 doctorate)."), "6"),
    Column("isced_code", False, _("ISCED-F 2013 field of education code, e.g. 0613."), "0613"),
    Column("start_date", True, _("First day, YYYY-MM-DD."), "2025-09-15"),
    Column("end_date", True, _("Last day, YYYY-MM-DD; not before the start."), "2026-02-15"),
    Column("funding", True, _("scholarship, government, agreement or self_funded."), "government"),
    Column("programme", False, _("Name of the paying programme, e.g. Bolashak."), "Bolashak"),
    Column(
        "status",
        False,
        _("planned (the default), nominated, ongoing, completed or cancelled."),
        "planned",
    ),
    Column("returned_home", False, _("After completion: yes or no; blank if unknown."), ""),
    Column("returned_on", False, _("Day of return home, YYYY-MM-DD."), ""),
    Column("employer", False, _("Employer at home after return."), ""),
    Column(
        "agreement",
        False,
        _("Id of the agreement the mobility falls under; both institutions must be parties."),
        "",
    ),
)

COLUMN_NAMES = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def header_key(value: object) -> str:
    """`External ID ` -> `external_id`: how a header cell is matched to a column."""
    return "_".join(str(value if value is not None else "").strip().lower().split())


def template_csv() -> bytes:
    """A CSV with the header and one example row, UTF-8 with a byte order mark so that
    spreadsheet programs open it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    writer.writerow(column.example for column in COLUMNS)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """A workbook with the header, one example row, and a second sheet describing columns.
    Every cell is text, so that spreadsheet programs keep codes such as 0613 as typed."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "mobilities"
    sheet.append(list(COLUMN_NAMES))
    sheet.append([column.example for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cells in sheet.iter_cols(min_row=1, max_row=200):
        for cell in cells:
            cell.number_format = "@"
    for index, column in enumerate(COLUMNS):
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = max(14, len(column.name) + 2)
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("columns")
    notes.append(["column", "required", "description"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append([column.name, "yes" if column.required else "", str(column.help)])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["C"].width = 90

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
