"""The demo data set and its loader: the memorandum of Al-Farabi Kazakh National University and
the Azerbaijan National Academy of Sciences, KazNU's exchanges with Polish universities and a
realistic spread of partners, agreements in every state, and one login per role.

Everything is written through the services, by the demo users, so permissions are checked and
audit events exist. The events are then dated to the story (created months before the
signature, activated on the day the agreement takes effect, expired the day after it ended),
so histories read as they would have happened. Loading is idempotent: institutions are found
by SCHAC code (or name), people by username, units by name and agreements by title, and what
exists is left as it is.

The package holds the constant tables (`data`), the agreements of the story (`story`), the PDF
documents attached to them (`documents`) and the loader with its entry points (`loader`).
"""

from .data import CENTER_NAME, INSTITUTIONS, SEED_TITLE
from .documents import signed_pdf
from .loader import DemoLoader, DemoResult, demo_load, demo_logins, world_universities_import

__all__ = [
    "CENTER_NAME",
    "INSTITUTIONS",
    "SEED_TITLE",
    "DemoLoader",
    "DemoResult",
    "demo_load",
    "demo_logins",
    "signed_pdf",
    "world_universities_import",
]
