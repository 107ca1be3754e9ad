"""Accord: international cooperation of universities and academies of sciences, in one place."""
