"""The compose style."""
