"""`scripts/generate_repos.py`: render the platform's repositories from the spec."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.generate.fleet import GenerateError, RepoPlan, RepoResult, generate_fleet
from conformance.generate.interrupt import Interrupted, interruptible
from conformance.paths import DEFAULT_PLATFORM
from conformance.platform import PlatformError, load_platform


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="generate_repos.py",
        description="Render the infrastructure and Lambda repositories described by the platform spec.",
    )
    parser.add_argument("--output", required=True, type=Path, help="folder that receives one folder per repository")
    parser.add_argument("--platform", type=Path, default=DEFAULT_PLATFORM, help="platform spec (default: %(default)s)")
    parser.add_argument(
        "--only", nargs="+", default=[], metavar="NAME", help="render only these repositories or Lambdas"
    )
    parser.add_argument("--force", action="store_true", help="replace repositories that already exist")
    return parser.parse_args(argv)


def report(plan: RepoPlan, result: RepoResult) -> None:
    if result.error:
        print(f"FAILED  {plan.name}: {result.error}", file=sys.stderr)
    else:
        print(f"created {plan.name:<36} {plan.summary:<34} {result.seconds:5.2f} s")


def interrupted_line(stop: Interrupted) -> str:
    """What an interrupted run leaves: the repositories finished before the signal, nothing half-written."""
    if not stop.written:
        return f"generation interrupted by {stop.signal_name}; nothing written"
    return (
        f"generation interrupted by {stop.signal_name}; kept {', '.join(stop.written)} (finished), nothing half-written"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        with interruptible():
            platform = load_platform(args.platform)
            results = generate_fleet(platform, args.output, args.only, args.force, progress=report)
    except (PlatformError, GenerateError) as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        print(f"error: {interrupted_line(stop)}", file=sys.stderr)
        return 128 + stop.signum
    failed = [r for r in results if r.error]
    print(f"{len(results) - len(failed)} of {len(results)} repositories written to {args.output}")
    return 1 if failed else 0
