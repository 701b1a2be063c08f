"""`fleet add-lambda`: one command grows the fleet by a Lambda, as a team would by hand in four steps.

1. The spec gains the Lambda (one line inserted, comments kept; the new spec must validate), and the
   templates' cookiecutter.json follow it; the three files are committed in the kit checkout that
   holds the spec (a commit of its own: what the new repository and the update render from).
2. The Lambda's repository is rendered at that commit into the fleet folder (its first commit made).
3. The infrastructure repository gets the change (execution role, API path) as `fleet update` brings
   it: merged onto a new branch `kit-update/<sha>`, never onto what is checked out.
Everything is checked before anything is written: a name or route the spec has, a path parameter
that clashes, a dirty infrastructure repository, an existing repository folder, uncommitted spec or
template files. Nothing is pushed.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from conformance.fleet.kit import FleetError, Kits, git
from conformance.fleet.render import render_at
from conformance.fleet.spec_edit import insert_function
from conformance.fleet.update import RepoUpdate, update_repo
from conformance.generate.fleet import repo_folder
from conformance.generate.git_repo import has_identity, initialise, origin_url
from conformance.generate.record import Record
from conformance.generate.template_json import expected_template_json
from conformance.platform import Platform, PlatformError, load_platform
from conformance.platform.context import lambda_answers
from conformance.platform.load import parse_platform
from conformance.platform.model import LambdaFunction
from conformance.safe_yaml import BadYaml, load_yaml

SPEC = Path("infra") / "platform.yaml"


@dataclass
class Added:
    lines: list[str] = field(default_factory=list)
    infrastructure: RepoUpdate | None = None

    @property
    def ok(self) -> bool:
        return self.infrastructure is not None and self.infrastructure.outcome == "updated"


def kit_checkout(spec: Path) -> Path:
    """The kit checkout whose own spec `spec` is (the templates beside it render from it)."""
    top = git(spec.parent, "rev-parse", "--show-toplevel", check=False) if spec.parent.is_dir() else ""
    if not top or spec != Path(top).resolve() / SPEC or not (Path(top) / "cookiecutters" / "lambda").is_dir():
        raise FleetError(f"{spec}: expected the spec of a kit checkout (<kit>/{SPEC.as_posix()}), found another file")
    return Path(top).resolve()


def validated(text: str, spec: Path) -> Platform:
    """The spec `text` would be, read and validated as the spec file is (one line per problem, naming it)."""
    try:
        data = load_yaml(text, str(spec), allow_aliases=False)
    except BadYaml as error:
        raise PlatformError(str(error)) from None
    return parse_platform(data, str(spec))


def add_lambda(spec: Path, function: LambdaFunction, repos_root: Path) -> Added:
    spec = spec.resolve()
    kit = kit_checkout(spec)
    platform = load_platform(spec)
    if function.name in {f.name for f in platform.lambdas.functions}:
        raise FleetError(f"{spec}: lambdas.functions: expected a new Lambda name, found {function.name!r} already")
    text = insert_function(spec.read_text(encoding="utf-8"), function, str(spec))
    grown = validated(text, spec)
    templates = expected_template_json(grown, kit / "cookiecutters")
    owned = [SPEC.as_posix(), *(p.relative_to(kit).as_posix() for p in templates)]
    if dirty := git(kit, "status", "--porcelain", "--", *owned):
        raise FleetError(f"{kit}: uncommitted changes in {dirty.splitlines()[0][3:]}; commit them first")
    repos_root = repos_root.resolve()
    infrastructure = repos_root / platform.infrastructure.repo
    if not (infrastructure / ".git").exists():
        raise FleetError(f"{infrastructure}: expected the infrastructure repository, found none")
    if dirty := git(infrastructure, "status", "--porcelain"):
        raise FleetError(f"{infrastructure}: uncommitted changes ({dirty.splitlines()[0][3:]}); commit them first")
    target = repo_folder(repos_root, grown.lambda_repo(function))
    if target.exists() or target.is_symlink():
        raise FleetError(f"{target}: already exists")

    spec.write_text(text, encoding="utf-8")
    for path, content in templates.items():
        path.write_text(content, encoding="utf-8")
    git(kit, "add", "--", *owned)
    message = f"Add Lambda {function.name} to the fleet (python -m conformance fleet add-lambda)"
    identity = [] if has_identity(kit) else ["-c", "user.name=BBWS kit", "-c", "user.email=kit@bbws.invalid"]
    subprocess.run(["git", *identity, "commit", "--quiet", "-m", message, "--", *owned], cwd=kit, check=True)
    commit = git(kit, "rev-parse", "HEAD")
    added = Added([f"{SPEC.as_posix()}: added {function.name}; kit commit {commit[:12]} ({message})"])

    url = origin_url(kit)
    with tempfile.TemporaryDirectory(prefix=".fleet-", dir=repos_root) as scratch:
        kits = Kits(Path(scratch), str(kit))
        record = Record(target, url, commit, None, "cookiecutters/lambda", lambda_answers(grown, function))
        rendered = render_at(kits.get(url), record, commit, Path(scratch) / "new")
        initialise(rendered, "Initial commit: generated from the BBWS platform spec (fleet add-lambda)")
        rendered.rename(target)
        added.lines.append(f"created {target.name} in {repos_root}")
        added.infrastructure = update_repo(infrastructure, kits, Path(scratch), commit)
        added.lines.append(added.infrastructure.line())
    if url != str(kit):
        added.lines.append(
            f"push kit commit {commit[:12]} to {url}: until then `cruft check` and `fleet status` cannot see it"
        )
    return added
