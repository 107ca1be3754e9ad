"""What reminders of a date have in common, whatever the date is of."""

import datetime as dt

from django.db.models import Case, IntegerField, Value, When


def nearest_threshold(date_field: str, today: dt.date, thresholds: list[int]) -> Case:
    """The smallest of `thresholds` (days) that the date in `date_field` is within from
    `today`, as an expression: one query finds what is due at each threshold."""
    return Case(
        *(
            When(**{f"{date_field}__lte": today + dt.timedelta(days=days)}, then=Value(days))
            for days in sorted(thresholds)
        ),
        output_field=IntegerField(),
    )
