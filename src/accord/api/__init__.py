"""The open API (django-ninja); `v1` assembles version 1 from one module per domain."""
