"""The floor of the manifest benchmark, as a process of its own.

    python bench/floor.py DIR        # prints the number of non-empty documents

Reads every ``.yaml``, ``.yml`` and ``.json`` file under DIR (the suffixes the
auditor reads as manifests), in a stable order, and parses each with
``yaml.load_all(..., Loader=yaml.CSafeLoader)``: the least any YAML-based tool
must do with the same files. Interpreter start-up and ``import yaml`` are part
of it, as the auditor's start-up is part of the audit. Exits 3 without libyaml.
"""

from __future__ import annotations

import os
import sys

import yaml

SUFFIXES = (".yaml", ".yml", ".json")


def count_documents(root: str) -> int:
    loader = yaml.CSafeLoader
    count = 0
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        for name in sorted(names):
            if name.endswith(SUFFIXES):
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    text = handle.read()
                count += sum(1 for doc in yaml.load_all(text, Loader=loader) if doc is not None)
    return count


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: floor.py DIR", file=sys.stderr)
        return 2
    if not hasattr(yaml, "CSafeLoader"):
        print("floor: PyYAML was built without libyaml (no yaml.CSafeLoader)", file=sys.stderr)
        return 3
    print(count_documents(argv[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
