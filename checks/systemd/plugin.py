"""The systemd style plugin (being built: registers nothing yet)."""
