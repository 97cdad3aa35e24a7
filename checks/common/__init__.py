"""Facts shared by host-based styles (pip, systemd): safe tree reading, live host state."""
