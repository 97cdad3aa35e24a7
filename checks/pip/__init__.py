"""The pip / virtualenv style: a Superset started by hand from a virtualenv."""
