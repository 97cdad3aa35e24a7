"""Normalising services and merging Compose files the way Compose merges them.

Mappings merge key by key; sequences append; ``command``, ``entrypoint`` and
``healthcheck.test`` are replaced; ``ports`` (by ip, target, published,
protocol), ``volumes``, ``secrets`` and ``configs`` (by target) replace the
entry that shares their key. ``environment``, ``labels``, ``depends_on`` and
service ``networks`` are normalised to mappings first so that a list in one
file and a mapping in the other merge by key. ``!reset`` removes, ``!override``
replaces. Everything here builds new objects: values shared through YAML
aliases are never mutated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from auditor.checks.compose.yamlload import RESET, Override, Reset

REPLACED = frozenset({"command", "entrypoint"})
KEYED_LISTS = frozenset({"ports", "volumes", "secrets", "configs"})
AS_MAPPING = frozenset({"environment", "labels", "depends_on", "networks", "annotations",
                        "sysctls", "extra_hosts"})


def scalar_text(value: object) -> str | None:
    """A YAML scalar as Compose turns it into a string (booleans lower case)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def normalize_service(service: Mapping[str, Any]) -> dict[str, Any]:
    """One service in canonical form (lists of ``K=V`` become mappings, ports parsed)."""
    result: dict[str, Any] = {}
    for key, value in service.items():
        result[key] = _normalize_attr(str(key), value)
    return result


def _normalize_attr(key: str, value: Any) -> Any:
    if isinstance(value, Reset):
        return value
    if isinstance(value, Override):
        return Override(_normalize_attr(key, value.value))
    if key in AS_MAPPING:
        return _as_mapping(key, value)
    if key == "ports" and isinstance(value, list):
        return [parse_port(item) for item in value]
    if key == "volumes" and isinstance(value, list):
        return [parse_volume(item) for item in value]
    if key in ("secrets", "configs") and isinstance(value, list):
        return [_file_ref(key, item) for item in value]
    if key == "env_file":
        items = value if isinstance(value, list) else [value]
        return [_env_file(item) for item in items if item is not None]
    if key == "build" and isinstance(value, str):
        return {"context": value}
    if key in ("dns", "dns_search", "tmpfs", "cap_add", "cap_drop") and isinstance(value, str):
        return [value]
    return value


def _as_mapping(key: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        if key == "environment":
            return {str(k): v if isinstance(v, Reset | Override) else scalar_text(v)
                    for k, v in value.items()}
        return {str(k): v for k, v in value.items()}
    if not isinstance(value, list):
        return value
    result: dict[str, Any] = {}
    for item in value:
        if key in ("depends_on",):
            result[str(item)] = {"condition": "service_started"}
        elif key == "networks":
            result[str(item)] = None
        elif key == "extra_hosts":
            host, _, address = str(item).partition(":" if "=" not in str(item) else "=")
            result[host] = address
        else:
            name, sep, text = str(item).partition("=")
            result[name.strip()] = text if sep else None
    return result


def _env_file(item: Any) -> dict[str, Any]:
    if isinstance(item, Mapping):
        return {"path": str(item.get("path", "")), "required": item.get("required", True) is not
                False, "format": item.get("format")}
    return {"path": str(item), "required": True, "format": None}


def _file_ref(key: str, item: Any) -> dict[str, Any]:
    if isinstance(item, Mapping):
        source = str(item.get("source", ""))
        target = item.get("target")
        default = f"/run/secrets/{source}" if key == "secrets" else f"/{source}"
        return {**item, "source": source, "target": str(target) if target else default}
    source = str(item)
    return {"source": source,
            "target": f"/run/secrets/{source}" if key == "secrets" else f"/{source}"}


def parse_port(item: Any) -> dict[str, Any]:
    """A ``ports`` entry in long form: host_ip ('' = all interfaces), published, target."""
    if isinstance(item, Mapping):
        return {
            "host_ip": str(item.get("host_ip") or ""),
            "published": scalar_text(item.get("published")) or "",
            "target": scalar_text(item.get("target")) or "",
            "protocol": str(item.get("protocol") or "tcp"),
            "raw": ", ".join(f"{k}: {v}" for k, v in item.items()),
        }
    raw = scalar_text(item) or ""
    text, _, protocol = raw.partition("/")
    host_ip = ""
    if text.startswith("["):
        end = text.find("]")
        host_ip, text = text[1:end], text[end + 2:] if end >= 0 else ""
        parts = text.split(":")
        published, target = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[-1])
    else:
        parts = text.split(":")
        if len(parts) == 1:
            published, target = "", parts[0]
        elif len(parts) == 2:
            published, target = parts
        else:
            host_ip, published, target = ":".join(parts[:-2]), parts[-2], parts[-1]
    return {"host_ip": host_ip, "published": published, "target": target,
            "protocol": protocol or "tcp", "raw": raw}


def parse_volume(item: Any) -> dict[str, Any]:
    """A ``volumes`` entry in long form with ``type`` bind, volume, tmpfs or anonymous."""
    if isinstance(item, Mapping):
        kind = str(item.get("type") or "volume")
        source = item.get("source")
        if kind == "volume" and not source:
            kind = "anonymous"
        return {"type": kind, "source": str(source) if source else "",
                "target": str(item.get("target") or ""),
                "read_only": bool(item.get("read_only")), "raw": _long_raw(item)}
    raw = str(item)
    parts = raw.split(":")
    if len(parts) == 1:
        return {"type": "anonymous", "source": "", "target": parts[0], "read_only": False,
                "raw": raw}
    source, target = parts[0], parts[1]
    options = parts[2].split(",") if len(parts) > 2 else []
    kind = "bind" if source.startswith(("/", ".", "~", "$")) else "volume"
    return {"type": kind, "source": source, "target": target, "read_only": "ro" in options,
            "raw": raw}


def _long_raw(item: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}: {item[k]}" for k in ("type", "source", "target") if item.get(k))


def _port_key(entry: Any) -> object:
    if isinstance(entry, Mapping):
        return (entry.get("host_ip"), entry.get("target"), entry.get("published"),
                entry.get("protocol"))
    return repr(entry)


def _target_key(entry: Any) -> object:
    return entry.get("target") if isinstance(entry, Mapping) else repr(entry)


KEYS: Mapping[str, Callable[[Any], object]] = {
    "ports": _port_key, "volumes": _target_key, "secrets": _target_key, "configs": _target_key,
}


def merge_values(base: Any, over: Any, path: tuple[str, ...] = ()) -> Any:
    """``over`` (a later file) merged onto ``base``; both are left untouched."""
    if isinstance(over, Reset):
        return RESET
    if isinstance(over, Override):
        return over.value
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        result = dict(base)
        for key, value in over.items():
            if key in result:
                result[key] = merge_values(result[key], value, (*path, str(key)))
            else:
                result[key] = value
        return {k: v for k, v in result.items() if not isinstance(v, Reset)}
    if isinstance(base, list) and isinstance(over, list):
        name = path[-1] if path else ""
        if name in REPLACED or path[-2:] == ("healthcheck", "test"):
            return list(over)
        key = KEYS.get(name) if len(path) == 3 else None
        if key is None:
            return [*base, *over]
        merged: dict[object, Any] = {key(entry): entry for entry in base}
        for entry in over:
            merged[key(entry)] = entry
        return list(merged.values())
    return over


def merge_service(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = merge_values(dict(base), dict(over), ("services", "_"))
    return dict(merged) if isinstance(merged, Mapping) else dict(over)


def strip_markers(value: Any) -> Any:
    """Resolve what a single file (or the first one) leaves: resets vanish, overrides unwrap."""
    if isinstance(value, Override):
        return strip_markers(value.value)
    if isinstance(value, Mapping):
        return {k: strip_markers(v) for k, v in value.items() if not isinstance(v, Reset)}
    if isinstance(value, list):
        return [strip_markers(v) for v in value if not isinstance(v, Reset)]
    return value
