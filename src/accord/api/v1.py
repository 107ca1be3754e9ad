"""Accord's open API, version 1: django-ninja on the same services and selectors as the pages."""

from .agreements import router as agreements_router
from .base import api
from .centers import router as centers_router
from .institutions import router as institutions_router
from .mobility import router as mobility_router

api.add_router("/institutions", institutions_router)
api.add_router("/agreements", agreements_router)
api.add_router("/mobilities", mobility_router)
api.add_router("/centers", centers_router)

__all__ = ["api"]
