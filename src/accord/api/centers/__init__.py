"""Research centers, their facilities and availability, and bookings with their transitions:
the same services, selectors and rules as the pages. What the caller may not see answers 404."""

from .bookings import router as bookings_router
from .centers import center_router, router

# The list and the facilities, then the bookings, then the paths under /{slug}: the order the
# URLs are tried in. Each endpoint names its operation id, so the ids stay the same whichever
# module holds it.
router.add_router("", bookings_router)
router.add_router("", center_router)

__all__ = ["router"]
