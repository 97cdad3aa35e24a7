"""The systemd style."""
