"""Erasmus Without Paper: inter-institutional agreements (IIAs API v7) out of and into Accord."""
