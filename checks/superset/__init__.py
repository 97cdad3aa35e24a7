"""The Superset app pack: configuration analysed with ast (never executed)."""
