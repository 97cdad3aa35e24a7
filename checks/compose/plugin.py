"""The compose style plugin (being built: registers nothing yet)."""
