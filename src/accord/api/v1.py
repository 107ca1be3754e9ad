"""Accord's open API, version 1: django-ninja on the same services and selectors as the pages."""

from .agreements import router as agreements_router
from .base import api
from .centers import router as centers_router
from .institutions import router as institutions_router
from .mobility import router as mobility_router
from .mobility_flows import router as mobility_flows_router
from .mobility_imports import router as mobility_imports_router

api.add_router("/institutions", institutions_router)
api.add_router("/agreements", agreements_router)
api.add_router("/mobilities", mobility_router)
api.add_router("/mobility-imports", mobility_imports_router)
api.add_router("/centers", centers_router)
api.add_router("/analytics", mobility_flows_router)

__all__ = ["api"]
