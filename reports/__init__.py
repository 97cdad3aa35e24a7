"""Built-in renderers, installed as ``auditor.reports``."""
