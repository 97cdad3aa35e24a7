"""Helpers for the end-to-end test of a real Apache Superset (tests/test_e2e_superset.py)."""
