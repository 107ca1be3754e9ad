"""The mobility part of `accord demo`."""

import datetime as dt


def mobility_demo_load(today: dt.date) -> int:
    """Add the demo's mobility data; returns how many rows were added (0 when already there)."""
    return 0
