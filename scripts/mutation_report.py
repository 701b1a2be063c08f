"""Kill rate per module of the last `mutmut run`, the surviving mutants, and a gate (tox -e mutation).

Reads `mutmut results --all true` (one `    <mutant>: <status>` line per mutant) and
docs/mutation-equivalents.txt (one `<mutant> <reason>` line per mutant that no test can tell from
the original). Per module: killed (timeouts count as killed: the mutant hung the code), equivalent
(left out of the denominator, listed), and every other status (survived, no tests, not checked,
suspicious...) as not killed, named one per line. Exits 1 when a module is below the minimum (90%),
or when the equivalents file is stale (a listed mutant that no longer exists or is now killed:
mutant names are numbered per function, so an edit to the function renumbers them).

    python scripts/mutation_report.py [--min 90] [--module conformance.live.guard ...]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "docs" / "mutation-equivalents.txt"
KILLED = {"killed", "timeout", "caught by type check"}
LINE = re.compile(r"^\s+(?P<name>\S+): (?P<status>.+)$")
MODULE = re.compile(r"^(?P<module>.+?)\.x[_ǁ]")


def read_results(text: str) -> dict[str, str]:
    """{mutant: status} from `mutmut results --all true`."""
    results = {}
    for line in text.splitlines():
        if match := LINE.match(line):
            results[match["name"]] = match["status"].strip()
    return results


def read_equivalents(path: Path) -> dict[str, str]:
    """{mutant: reason}; a line without a reason is refused, naming it."""
    equivalents = {}
    if not path.exists():
        return equivalents
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        if not reason.strip():
            expected = "expected '<mutant> <why no test can kill it>'"
            raise SystemExit(f"{path.name}:{number}: {name} has no reason; {expected}")
        equivalents[name] = reason.strip()
    return equivalents


def module_of(mutant: str) -> str:
    match = MODULE.match(mutant)
    return match["module"] if match else mutant.rsplit(".", 1)[0]


def report(results: dict[str, str], equivalents: dict[str, str], minimum: float, modules: list[str]) -> list[str]:
    """The report's lines; the last is the verdict (starts with FAIL or OK)."""
    by_module: dict[str, dict[str, str]] = defaultdict(dict)
    for mutant, status in results.items():
        module = module_of(mutant)
        if not modules or module in modules:
            by_module[module][mutant] = status
    lines, failures = [], []
    for module in sorted(by_module):
        mutants = by_module[module]
        equivalent = [m for m in mutants if m in equivalents and mutants[m] not in KILLED]
        counted = {m: s for m, s in mutants.items() if m not in equivalent}
        killed = sum(1 for s in counted.values() if s in KILLED)
        rate = 100.0 * killed / len(counted) if counted else 100.0
        lines.append(
            f"{module}: {rate:.1f}% killed ({killed} of {len(counted)}; "
            f"{len(equivalent)} equivalent left out, {len(mutants)} mutants)"
        )
        for mutant, status in sorted(counted.items()):
            if status not in KILLED:
                lines.append(f"    {status}: {mutant}")
        for mutant in sorted(equivalent):
            lines.append(f"    equivalent: {mutant} ({equivalents[mutant]})")
        if rate < minimum:
            failures.append(f"{module} {rate:.1f}% < {minimum:g}%")
    stale = [m for m in equivalents if m not in results or results[m] in KILLED]
    for mutant in stale:
        seen = results.get(mutant, "no such mutant")
        failures.append(f"{EQUIVALENTS.name} lists {mutant} as equivalent, but it is {seen}")
    if not by_module:
        failures.append("no mutants in `mutmut results`: run `mutmut run` first")
    lines.append(("FAIL: " + "; ".join(failures)) if failures else f"OK: every module at {minimum:g}% or more")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=float, default=90.0, help="the lowest kill rate per module (default 90)")
    parser.add_argument("--module", action="append", default=[], help="report only this module (repeatable)")
    parser.add_argument("--results", type=Path, help="a saved `mutmut results --all true` output (default: run it)")
    args = parser.parse_args(argv)
    if args.results:
        text = args.results.read_text(encoding="utf-8")
    else:
        text = subprocess.run(
            [sys.executable, "-m", "mutmut", "results", "--all", "true"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    lines = report(read_results(text), read_equivalents(EQUIVALENTS), args.min, args.module)
    print("\n".join(lines))
    return 1 if lines[-1].startswith("FAIL") else 0


if __name__ == "__main__":
    sys.exit(main())
