"""The centers part of `accord demo`."""

import datetime as dt


def centers_demo_load(today: dt.date) -> int:
    """Add the demo's centers data; returns how many rows were added (0 when already there)."""
    return 0
