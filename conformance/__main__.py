"""`python -m conformance ...`: project commands that are not pytest runs."""

from __future__ import annotations

import argparse
import sys

from conformance.paths import DEFAULT_PLATFORM
from conformance.platform import PlatformError, load_platform


def sync_templates(args: argparse.Namespace) -> int:
    """Write (or with --check, verify) the templates' cookiecutter.json from the spec."""
    from conformance.generate.template_json import stale_template_json, write_template_json

    platform = load_platform(args.platform)
    if args.check:
        stale = stale_template_json(platform)
        for path in stale:
            print(f"{path}: out of date with {args.platform}; run `python -m conformance sync-templates`")
        return 1 if stale else 0
    for path in write_template_json(platform):
        print(f"wrote {path}")
    return 0


def list_criteria(args: argparse.Namespace) -> int:
    """The catalogue as a Markdown table: ID, title, requirement, scope, files read, AWS reads (live)."""
    from conformance.catalogue import ALL_CRITERIA

    platform = load_platform(args.platform)
    functions = [None, *platform.lambdas.functions]
    print("| ID | title | requirement | applies to | reads | live reads |")
    print("|---|---|---|---|---|---|")
    for c in ALL_CRITERIA:
        scope = c.scope.value + (", per env" if c.per_env else "")
        files = ", ".join(c.files) if c.static else ""
        live = sorted({str(r) for f in functions for r in c.live_reads(platform, f)}) if c.live_reads else []
        print(f"| {c.id} | {c.title} | {c.requirement.value} | {scope} | {files} | {', '.join(live)} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance")
    parser.add_argument("--platform", default=DEFAULT_PLATFORM, help="platform spec (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    sync = commands.add_parser("sync-templates", help="derive the templates' cookiecutter.json from the spec")
    sync.add_argument("--check", action="store_true", help="only report files that are out of date")
    sync.set_defaults(run=sync_templates)
    criteria = commands.add_parser("criteria", help="list every criterion the suite checks")
    criteria.set_defaults(run=list_criteria)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except PlatformError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
