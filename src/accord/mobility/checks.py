"""Checks every mobility passes, whether it comes from a form, the API or an import row.

Each check returns {field: message} for what is wrong, so a caller can report all problems of a
record at once; services raise them as one ValidationError, the importer lists them per row.
"""

import datetime as dt

from django.utils.translation import gettext as _

from accord.agreements.provisions import isced_label

EQF_LEVELS = range(1, 9)
# Funding.AGREEMENT, spelled here so that models can import these checks.
AGREEMENT_FUNDS = "agreement"
# Academic years begin on 1 September: a mobility starting in February 2026 is in 2025/2026.
ACADEMIC_YEAR_FIRST_MONTH = 9


def academic_year_of(day: dt.date) -> str:
    first = day.year if day.month >= ACADEMIC_YEAR_FIRST_MONTH else day.year - 1
    return f"{first}/{first + 1}"


def mobility_problems(
    *,
    start_date: dt.date | None,
    end_date: dt.date | None,
    home_institution_id: int | None,
    host_institution_id: int | None,
    eqf_level: int | None = None,
    isced_code: str = "",
    birth_date: dt.date | None = None,
    funding: str = "",
    has_agreement: bool = True,
    today: dt.date | None = None,
) -> dict[str, str]:
    """What is wrong with these values, by field; empty when nothing is."""
    today = today or dt.date.today()
    problems: dict[str, str] = {}
    if start_date and end_date and end_date < start_date:
        problems["end_date"] = _("The end cannot be before the start.")
    if home_institution_id and home_institution_id == host_institution_id:
        problems["host_institution"] = _("The host institution must differ from the home one.")
    if eqf_level is not None and eqf_level not in EQF_LEVELS:
        problems["eqf_level"] = _("EQF levels are 1 to 8; %(value)s is not one.") % {
            "value": eqf_level
        }
    if isced_code and not isced_label(isced_code):
        problems["isced_code"] = _("%(value)s is not an ISCED-F 2013 field of education code.") % {
            "value": isced_code
        }
    if birth_date and birth_date > today:
        problems["birth_date"] = _("The date of birth cannot be in the future.")
    if funding == AGREEMENT_FUNDS and not has_agreement:
        problems["agreement"] = _("Name the agreement whose own funds pay for this mobility.")
    return problems
