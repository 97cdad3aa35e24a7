"""Built-in check plugins, installed as ``auditor.checks``: one sub-package per style or app."""
