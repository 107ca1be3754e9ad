"""What a test expects of the queries that bulk writes issue, on whichever database it runs."""

import math

from django.db import connection
from django.db.models import Model


def insert_queries(model: type[Model], rows: int, *, batch_size: int | None = None) -> int:
    """How many INSERTs `model.objects.bulk_create` of `rows` new rows issues with `batch_size`:
    Django splits a batch further where the database limits the parameters of one query
    (SQLite)."""
    if rows == 0:
        return 0
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    largest = max(connection.ops.bulk_batch_size(fields, [None] * rows), 1)
    per_query = min(batch_size, largest) if batch_size else largest
    return math.ceil(rows / per_query)
