"""Which services of a project run, given Compose profiles.

Compose starts a service with ``profiles:`` only when one of them is active: named by
``--profile`` on the command line, or by ``COMPOSE_PROFILES`` in the environment or the
project's ``.env`` (``*`` activates every profile); a service targeted by name activates
its own. The command line and the shell are not in the files, so:

- ``COMPOSE_PROFILES`` in the project's ``.env`` is the project's own statement of what it
  runs: it is honoured, and the services it leaves out are named as not audited.
- Without it the auditor audits the services of every profile and says so. Leaving them out
  would hide the whole deployment when, as in mitodl/ol-infrastructure's Traefik compose
  file, every Superset service sits under a profile (``web``, ``worker``) enabled wherever
  the host starts docker compose, not in the project; auditing them can only over-report a
  service the operator does not start, and the report names the assumption.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProfileChoice:
    enabled: frozenset[str] | None
    """Active profiles; None: every profile (nothing in the project says which)."""
    source: str = ""
    """Where the choice is written (``COMPOSE_PROFILES=web in .env``)."""

    def active(self, profiles: Iterable[str]) -> bool:
        names = set(profiles)
        if not names or self.enabled is None or "*" in self.enabled:
            return True
        return bool(names & self.enabled)


def choose(env: Mapping[str, str]) -> ProfileChoice:
    """The profiles the project's ``.env`` activates, or every profile when it names none."""
    raw = env.get("COMPOSE_PROFILES", "")
    names = frozenset(p.strip() for p in raw.split(",") if p.strip())
    if not names:
        return ProfileChoice(None)
    return ProfileChoice(names, f"COMPOSE_PROFILES={raw.strip()} in .env")


def service_profiles(spec: Mapping[str, Any]) -> tuple[str, ...]:
    value = spec.get("profiles")
    return tuple(str(p) for p in value) if isinstance(value, list) else ()


def assumed_note(by_profile: Mapping[str, list[str]]) -> str:
    """The problem that says services of every profile were audited."""
    listed = "; ".join(f"{profile}: {', '.join(names)}"
                       for profile, names in sorted(by_profile.items()))
    return (f"services under Compose profiles are audited as if every profile were enabled "
            f"({listed}); which ones run depends on --profile or COMPOSE_PROFILES where "
            "docker compose is started, which the project's files do not say")


def inactive_note(choice: ProfileChoice, names: Iterable[str]) -> str:
    return (f"not audited: {', '.join(names)} (their profiles are not enabled by "
            f"{choice.source}; docker compose --profile would start them)")
