"""The floor: read and parse every file the static suite parses, once each, and nothing else.

    python benchmarks/floor.py FLEET_DIR OUT.json [--mode loads|tree]

The suite parses each repository's `.tf`, `.tfvars` and `.hcl` files (HCL) and its workflow
`.yml` files (YAML); this does exactly that with the libraries the project pins (python-hcl2's
`hcl2.loads`, PyYAML's `safe_load`), in a fresh process, so no suite can be faster without doing
less. `--mode tree` stops HCL at the Lark parse tree (`hcl2.api.parses_to_tree`), which is what
the suite itself calls: a side figure. `.git` folders are not part of a repository's files.

Run by path, so its folder is dropped from sys.path first: nothing here may shadow a real module.
"""

from __future__ import annotations

import sys
import time

if __name__ == "__main__":
    sys.path.pop(0)

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

HCL_SUFFIXES = (".tf", ".tfvars", ".hcl")
YAML_SUFFIXES = (".yml", ".yaml")
MODES = ("loads", "tree")


# Folders of a repository no static criterion reads: the override the account bootstrap's first,
# local-state apply copies in (bootstrap/first_apply/; the bootstrap root itself is judged).
UNREAD_FOLDERS = ("bootstrap/first_apply",)


def fleet_files(root: Path) -> list[Path]:
    """Every HCL and YAML file under `root` the suite reads (not `.git`, not UNREAD_FOLDERS), in a stable order."""
    found = []
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        in_repo = "/".join(parts[1:])
        if ".git" in parts or in_repo.startswith(tuple(f"{f}/" for f in UNREAD_FOLDERS)) or not path.is_file():
            continue
        if path.suffix in HCL_SUFFIXES + YAML_SUFFIXES:
            found.append(path)
    return sorted(found)


def parsers(mode: str) -> tuple[Callable[[str], Any], Callable[[str], Any]]:
    """(HCL parser, YAML parser) for `mode`; imported here so their import is part of the cost."""
    import yaml

    if mode == "loads":
        import hcl2

        return hcl2.loads, yaml.safe_load
    if mode == "tree":
        from hcl2.api import parses_to_tree

        return parses_to_tree, yaml.safe_load
    raise ValueError(f"mode: expected one of {', '.join(MODES)}, found {mode!r}")


def parse_fleet(
    root: Path, parse_hcl: Callable[[str], Any], parse_yaml: Callable[[str], Any]
) -> tuple[Counter[str], int]:
    """Read and parse each file once; (reads per relative path, bytes read)."""
    reads: Counter[str] = Counter()
    size = 0
    for path in fleet_files(root):
        text = path.read_text(encoding="utf-8")
        reads[str(path.relative_to(root))] += 1
        size += len(text)
        (parse_hcl if path.suffix in HCL_SUFFIXES else parse_yaml)(text)
    return reads, size


def main(argv: list[str]) -> int:
    root, out = Path(argv[0]), Path(argv[1])
    mode = argv[3] if len(argv) > 3 and argv[2] == "--mode" else "loads"
    started = time.perf_counter()
    parse_hcl, parse_yaml = parsers(mode)
    imported = time.perf_counter()
    reads, size = parse_fleet(root, parse_hcl, parse_yaml)
    finished = time.perf_counter()
    result = {
        "mode": mode,
        "files": len(reads),
        "bytes": size,
        "import_seconds": imported - started,
        "parse_seconds": finished - imported,
        "inproc_seconds": finished - started,
        "max_reads_per_file": max(reads.values(), default=0),
    }
    out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
