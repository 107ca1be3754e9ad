"""The bare Django project the load benchmark compares Accord with: one view that renders a
small template after one query, on Accord's own database settings, with no middleware."""
