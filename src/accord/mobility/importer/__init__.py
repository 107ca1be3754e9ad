"""Importing mobilities from CSV and XLSX files (docs/mobility-import.md describes the layout).

`import_file` checks every row of a file, then writes all of them in one transaction or, when
any row is bad, none; `services` records imports, runs them as background tasks and says who
may see them.
"""

from .layout import COLUMNS, template_csv, template_xlsx
from .reading import ImportFileError
from .run import REPORT_LIMIT, Checked, Written, import_file

__all__ = [
    "COLUMNS",
    "REPORT_LIMIT",
    "Checked",
    "ImportFileError",
    "Written",
    "import_file",
    "template_csv",
    "template_xlsx",
]
