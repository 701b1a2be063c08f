"""`python -m conformance ...`: project commands that are not pytest runs."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from conformance.fleet.cli import add_commands as fleet_commands
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
    """The catalogue as a Markdown table: ID, title, requirement, scope, files read, AWS reads (live).

    With --where: where each criterion is checked, its static and its live check as `module:function`.
    """
    from conformance.catalogue import ALL_CRITERIA, PER_REPO_LIVE, where

    per_repo = {c.id: c for c in PER_REPO_LIVE}  # a live half only `--repo` runs plan
    if args.where:
        print("| ID | static check | live check |")
        print("|---|---|---|")
        for c in ALL_CRITERIA:
            live = where(c, "live") or (f"{where(per_repo[c.id], 'live')} (--repo runs)" if c.id in per_repo else "")
            print(f"| {c.id} | {where(c, 'static')} | {live} |")
        return 0
    platform = load_platform(args.platform)
    functions = [None, *platform.lambdas.functions]
    print("| ID | profile | title | requirement | applies to | reads | live reads |")
    print("|---|---|---|---|---|---|---|")
    for c in ALL_CRITERIA:
        scope = c.scope.value + (", per env" if c.per_env else "")
        files = ", ".join(c.files) if c.static else ""
        live = sorted({str(r) for f in functions for r in c.live_reads(platform, f)}) if c.live_reads else []
        if not live and (twin := per_repo.get(c.id)) is not None and twin.live_reads is not None:
            live = [
                f"{r} (--repo runs)" for r in sorted({str(r) for f in functions for r in twin.live_reads(platform, f)})
            ]
        row = (c.id, c.profile.value, c.title, c.requirement.value, scope, files, ", ".join(live))
        print("| " + " | ".join(row) + " |")
    return 0


def drift_targets(args: argparse.Namespace) -> int:
    """`name=value` lines for $GITHUB_OUTPUT: the drift check's matrix and tool versions, from the spec."""
    from conformance.ci.targets import UnknownEnv, github_outputs

    try:
        lines = github_outputs(load_platform(args.platform), args.env)
    except UnknownEnv as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def drift_alert(args: argparse.Namespace) -> int:
    """Decide one env's alert: `name=value` lines for $GITHUB_OUTPUT; the issue body to --body."""
    from pathlib import Path

    from conformance.ci.drift_alert import LABEL, TITLE, issue_action, verdict
    from conformance.safe_json import loads

    found = verdict(args.env, Path(args.report), args.run_url)
    Path(args.body).write_text(found.body, encoding="utf-8")
    lines = [f"alert={'true' if found.alert else 'false'}", f"headline={found.headline}"]
    if found.alert and args.open_issues:
        try:
            open_issues = loads(Path(args.open_issues).read_text(encoding="utf-8") or "[]")
        except (OSError, ValueError) as error:
            print(f"error: {args.open_issues}: {error}", file=sys.stderr)
            return 2
        action, number = issue_action(args.env, open_issues)
        lines += [f"action={action}", f"issue={number or ''}"]
    lines += [f"label={LABEL.format(env=args.env)}", f"title={TITLE.format(env=args.env)}"]
    print("\n".join(line.replace("\n", " ") for line in lines))
    return 0


def sarif(args: argparse.Namespace) -> int:
    """Turn a `--conformance-json` report into SARIF 2.1.0 for code scanning.

    A report of an incomplete run still becomes SARIF (the failures found so far, its invocation marked
    unsuccessful, as the plugin writes it), and the command then fails in one line: it is no verdict.
    """
    from conformance.report import ReportError, load_report
    from conformance.sarif import write_sarif

    try:
        report = load_report(Path(args.report))
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    write_sarif(Path(args.output), report.results, incomplete=report.incomplete)
    if report.incomplete is not None:
        found = f"an incomplete run ({report.incomplete})"
        print(
            f"error: {args.report}: expected the report of a complete run, found {found}; "
            f"{args.output} holds what it found, marked incomplete",
            file=sys.stderr,
        )
        return 1
    return 0


def precommit(args: argparse.Namespace) -> int:
    """The static suite for one repository (what `.pre-commit-hooks.yaml` runs)."""
    from conformance.fleet.precommit import run_precommit

    return run_precommit(args.repo, args.spec, [a for a in args.pytest_args if a != "--"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance")
    parser.add_argument("--platform", default=DEFAULT_PLATFORM, help="platform spec (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    sync = commands.add_parser("sync-templates", help="derive the templates' cookiecutter.json from the spec")
    sync.add_argument("--check", action="store_true", help="only report files that are out of date")
    sync.set_defaults(run=sync_templates)
    criteria = commands.add_parser("criteria", help="list every criterion the suite checks")
    criteria.add_argument(
        "--where",
        action="store_true",
        help="where each criterion is checked: static and live check, module:function",
    )
    criteria.set_defaults(run=list_criteria)
    targets = commands.add_parser("drift-targets", help="the drift workflow's matrix, from the spec")
    targets.add_argument("--env", default="all", help="one env, or all (default)")
    targets.set_defaults(run=drift_targets)
    alert = commands.add_parser("drift-alert", help="decide the drift workflow's alert for one env")
    alert.add_argument("--env", required=True)
    alert.add_argument("--report", required=True, help="the env's --conformance-json report")
    alert.add_argument("--body", required=True, help="where to write the issue body (Markdown)")
    alert.add_argument("--open-issues", help="`gh issue list --json number,title,labels` output")
    alert.add_argument("--run-url", default="", help="the workflow run, linked from the alert")
    alert.set_defaults(run=drift_alert)
    fleet_commands(commands)
    to_sarif = commands.add_parser("sarif", help="a --conformance-json report as SARIF 2.1.0 (code scanning)")
    to_sarif.add_argument("--report", required=True, help="the suite's --conformance-json report")
    to_sarif.add_argument("--output", required=True, help="where to write the SARIF log")
    to_sarif.set_defaults(run=sarif)
    hook = commands.add_parser("precommit", help="the static suite on the repository pre-commit runs in")
    hook.add_argument("--repo", type=Path, default=Path.cwd(), help="the repository (default: the current folder)")
    hook.add_argument("--spec", type=Path, help="the spec (default: the kit's own infra/platform.yaml)")
    hook.set_defaults(run=precommit)  # any further option goes to pytest, e.g. --terraform off
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "precommit":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    try:
        return args.run(args)
    except PlatformError as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2


def run_in_a_pipe(argv: list[str] | None = None) -> int:
    """`main`, quiet when the reader goes away (`... criteria | head`): the rest goes nowhere, no traceback."""
    try:
        code = main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes stdout again at exit: point it at nothing so that flush cannot fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


if __name__ == "__main__":
    sys.exit(run_in_a_pipe())
