"""Where a finding is, as a path a forge can open: shared by the formats that annotate files
(SARIF, GitLab Code Quality).

Worked out from the report alone: rendering never looks at the filesystem, since a stored
JSON report may be rendered on another machine.
"""

from __future__ import annotations

import posixpath
import re

from auditor.model import Location, TargetReport

# Targets whose findings can carry no file: standard input and live clusters.
FILELESS_TARGETS = re.compile(r"^(-|kube(:.*)?)$")
# The Kubernetes collector labels manifests rendered by `helm template` "<chart> (helm
# template)": their lines number the rendered text, not a file anyone can open.
GENERATED_SUFFIX = " (helm template)"


class Place:
    """One target's place: the audited path and the directory its findings' locations are
    relative to."""

    def __init__(self, target: TargetReport) -> None:
        label = target.target.replace("\\", "/")
        self.path: str | None = None
        """The audited path itself (None for standard input and live clusters)."""
        self.base: str | None = None
        """The directory finding locations are relative to."""
        if FILELESS_TARGETS.match(label):
            return
        self.path = "/" if label == "host" else (label.rstrip("/") or "/")
        # A file target's findings are relative to its directory (the Kubernetes and Compose
        # collectors read the file's siblings too) and name the file by its own name.
        name = posixpath.basename(self.path)
        names_itself = bool(name) and any(
            f.location is not None and f.location.path == name for f in target.findings)
        self.base = (posixpath.dirname(self.path) or ".") if names_itself else self.path

    def file_of(self, location: Location | None) -> str | None:
        """The file a location names, as a path from where the audit ran; None when it
        names no file anyone can open (no location, standard input, rendered text)."""
        if (self.base is None or location is None or not location.path
                or location.path == "-" or location.path.endswith(GENERATED_SUFFIX)):
            return None
        return posixpath.normpath(posixpath.join(self.base, location.path.replace("\\", "/")))
