"""Custom checks declared in configuration: a JSON Schema per check, no code.

``[checks.custom.CUSTOM-NAME-NNN]`` tables of ``auditor.toml`` (or of
``[tool.auditor]``) declare checks applied to Kubernetes objects of given kinds or to
Compose services (Polaris' custom checks are the model). :mod:`.declaration` reads and
validates the tables, :mod:`.schemas` loads and screens the schemas, :mod:`.judge` turns
a declaration into a :class:`~auditor.model.Check`, and :mod:`.plugin` hands those checks
to the registry through ``auditor_register_checks``, like any plugin's.

Imported only when a configuration declares custom checks: jsonschema is needed then.
"""
