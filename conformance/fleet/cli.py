"""`python -m conformance fleet status|update|add-lambda`: the fleet commands' arguments and output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.fleet.kit import FleetError
from conformance.generate.record import RecordError
from conformance.paths import DEFAULT_PLATFORM
from conformance.platform import PlatformError


def add_commands(commands: argparse._SubParsersAction) -> None:
    fleet = commands.add_parser("fleet", help="keep the generated repositories in step with the kit's templates")
    actions = fleet.add_subparsers(dest="fleet_command", required=True)
    kit_help = "read the kit from this folder or URL instead of the URL each .cruft.json records"

    status = actions.add_parser("status", help="each repository: up to date, behind the kit, changed locally")
    status.add_argument("--repos-root", required=True, type=Path, help="folder holding the repositories")
    status.add_argument("--to", metavar="REF", help="compare with this kit commit, tag or branch (default: its head)")
    status.add_argument("--kit", help=kit_help)
    status.set_defaults(run=run_status)

    update = actions.add_parser("update", help="merge the template changes into each repository, on a new branch")
    update.add_argument("--repos-root", required=True, type=Path, help="folder holding the repositories")
    update.add_argument("--to", metavar="REF", help="update to this kit commit, tag or branch (default: its head)")
    update.add_argument("--kit", help=kit_help)
    update.add_argument("--only", nargs="+", default=[], metavar="REPO", help="update only these repositories")
    update.set_defaults(run=run_update)

    add = actions.add_parser("add-lambda", help="add a Lambda: the spec, its repository, the infrastructure's part")
    add.add_argument("name", help="snake_case Lambda name, e.g. search_products")
    add.add_argument("--kind", required=True, choices=["api", "sqs"])
    add.add_argument("--method", help="HTTP method (api)")
    add.add_argument("--path", help="API path, e.g. /products/search (api)")
    add.add_argument("--operation", help="list get create update delete (api), persist audit (sqs)")
    add.add_argument("--dynamodb", choices=["yes", "no"], default="yes", help="uses the table (default: yes)")
    add.add_argument("--spec", type=Path, default=DEFAULT_PLATFORM, help="the kit's spec (default: %(default)s)")
    add.add_argument("--repos-root", required=True, type=Path, help="folder holding the repositories")
    add.set_defaults(run=run_add_lambda)


def run_status(args: argparse.Namespace) -> int:
    from conformance.fleet.status import fleet_status

    try:
        status = fleet_status(args.repos_root, args.kit, args.to)
    except (FleetError, RecordError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for repo in status.repos:
        print(repo.line())
    current = sum(r.current for r in status.repos)
    print(f"{current} of {len(status.repos)} repositories up to date and unchanged")
    return 0 if status.current else 1


def run_update(args: argparse.Namespace) -> int:
    from conformance.fleet.update import fleet_update

    try:
        result = fleet_update(args.repos_root, args.to, args.kit, tuple(args.only))
    except (FleetError, RecordError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for repo in result.repos:
        print(repo.line())
    updated = [r for r in result.repos if r.outcome == "updated"]
    print(f"{len(updated)} updated on a new branch (nothing pushed), {len(result.repos) - len(updated)} not")
    return 0 if result.ok else 1


def run_add_lambda(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from conformance.fleet.add_lambda import add_lambda
    from conformance.platform.load import describe_errors
    from conformance.platform.model import LambdaFunction

    operation = args.operation or ("list" if args.kind == "api" else "persist")
    data = {
        "name": args.name,
        "kind": args.kind,
        "operation": operation,
        "dynamodb": args.dynamodb == "yes",
        "http_method": (args.method or "").upper() or None,
        "path": args.path or None,
    }
    try:
        function = LambdaFunction.model_validate(data)
        added = add_lambda(args.spec, function, args.repos_root)
    except ValidationError as error:
        for line in describe_errors("add-lambda", error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    except (FleetError, RecordError, PlatformError) as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    print("\n".join(added.lines))
    return 0 if added.ok else 1
