"""The Terraform gate's verdict cache: a hit only for the very same inputs, never a stale pass.

Unit parts first (the cache file format, the folder snapshot and its digest, the toolchain's
identity; no terraform needed), then the gate with the real terraform and provider mirror: a hit
runs nothing, any change runs terraform again, a corrupted entry is ignored, runs side by side
share the cache, and a link leaving the repositories' root is never read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conformance.criteria import terraform_cli
from conformance.evidence.fleet import FleetEvidence
from conformance.platform import Platform
from conformance.runner import plan_cases, prepare_static, run_case
from conformance.tooling import terraform
from conformance.tooling.providers import MIRROR_ENV, ProviderInstallation, installing
from conformance.tooling.terraform_gate import FMT, VALIDATE, TerraformGate, snapshot, verdict_key
from conformance.tooling.verdict_cache import CACHE_ENV, VerdictCache, payload_digest, user_cache_dir

KEY = "ab" * 32
OTHER = "cd" * 32
PAYLOAD = {"returncode": 1, "output": "Error: Reference to undeclared resource\n"}


# -- the cache folder ---------------------------------------------------------------------------------


def test_the_cache_folder_is_the_users_unless_the_environment_says_otherwise(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert user_cache_dir() == tmp_path / "xdg" / "bbws-conformance"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_cache_dir() == tmp_path / "home" / ".cache" / "bbws-conformance"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert user_cache_dir() == tmp_path / "mine"
    monkeypatch.setenv(CACHE_ENV, "off")
    assert user_cache_dir() is None


def test_a_stored_verdict_is_read_back_and_an_absent_one_is_a_miss(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path / "c")
    assert cache.get(KEY) is None  # not even the folder exists yet
    assert cache.put(KEY, PAYLOAD)
    assert cache.get(KEY) == PAYLOAD
    assert cache.get(OTHER) is None
    assert [p.name for p in (tmp_path / "c").iterdir()] == [f"{KEY}.json"]  # no temporary file left


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(lambda text: "", id="empty"),
        pytest.param(lambda text: text[: len(text) // 2], id="truncated"),
        pytest.param(lambda text: "\x00\xff" + text, id="garbage"),
        pytest.param(lambda text: text.replace('"returncode": 1', '"returncode": 0'), id="payload-edited"),
        pytest.param(lambda text: text.replace(KEY, OTHER), id="another-key"),
        pytest.param(lambda text: text.replace('"format": 1', '"format": 0'), id="another-format"),
        pytest.param(lambda text: "[1, 2, 3]", id="not-an-entry"),
    ],
)
def test_a_corrupted_entry_is_ignored_and_replaced(tmp_path: Path, corrupt) -> None:
    cache = VerdictCache(tmp_path)
    cache.put(KEY, PAYLOAD)
    path = cache.path(KEY)
    path.write_bytes(corrupt(path.read_text(encoding="utf-8")).encode("utf-8", "surrogateescape"))
    assert cache.get(KEY) is None
    assert cache.put(KEY, PAYLOAD) and cache.get(KEY) == PAYLOAD


def test_an_edited_payload_with_its_digest_recomputed_for_another_key_is_still_refused(tmp_path: Path) -> None:
    """The entry names its key: a valid entry copied under another key's name is not that key's verdict."""
    cache = VerdictCache(tmp_path)
    cache.put(KEY, PAYLOAD)
    shutil.copy(cache.path(KEY), cache.path(OTHER))
    assert cache.get(OTHER) is None
    entry = json.loads(cache.path(KEY).read_text(encoding="utf-8"))
    assert entry["sha256"] == payload_digest(PAYLOAD)


def test_a_folder_that_cannot_be_written_only_costs_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    cache = VerdictCache(blocker / "cache")
    assert cache.put(KEY, PAYLOAD) is False
    assert cache.get(KEY) is None


def test_keys_are_hex_digests_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="hex digest"):
        VerdictCache(tmp_path).path("../escape")


def test_parallel_writers_and_readers_never_see_half_an_entry(tmp_path: Path) -> None:
    """Writers of the same keys race (as two runs of the suite would) while readers read: every read
    is a miss or the whole payload, and what is left is intact."""
    payloads = {f"{n:064x}": {"returncode": n % 4, "output": f"run {n}\n" * 2000} for n in range(8)}
    cache = VerdictCache(tmp_path)
    seen: list[object] = []
    stop = threading.Event()

    def write(round_: int) -> None:
        for key, payload in payloads.items():
            assert VerdictCache(tmp_path).put(key, payload)

    def read() -> None:
        while not stop.is_set():
            seen.extend(cache.get(key) for key in payloads)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(write, range(24)))
    stop.set()
    for reader in readers:
        reader.join()
    assert all(found is None or found in payloads.values() for found in seen)
    assert any(found is not None for found in seen)
    assert {key: cache.get(key) for key in payloads} == payloads
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{key}.json" for key in payloads)


def test_the_folder_is_bounded_least_recently_used_first(tmp_path: Path) -> None:
    cache = VerdictCache(tmp_path, max_entries=4)
    keys = [f"{n:064x}" for n in range(5)]
    for age, key in enumerate(keys[:4]):
        cache.put(key, PAYLOAD)
        os.utime(cache.path(key), ns=(age * 10**9, age * 10**9))
    assert cache.get(keys[0]) == PAYLOAD  # used: now the most recent
    cache.put(keys[4], PAYLOAD)  # five entries: pruned to three, the least recently used go
    assert {k for k in keys if cache.get(k) is not None} == {keys[0], keys[3], keys[4]}


# -- what a verdict depends on: the folder ------------------------------------------------------------


def write_folder(root: Path) -> Path:
    folder = root / "repo" / "terraform"
    (folder / "environments").mkdir(parents=True)
    (folder / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = var.name\n}\n', encoding="utf-8")
    (folder / "variables.tf").write_text('variable "name" {\n  type = string\n}\n', encoding="utf-8")
    (folder / "environments" / "dev.tfvars").write_text('name = "dev"\n', encoding="utf-8")
    return folder


def edit(relative: str, text: str | None):
    def apply(folder: Path) -> None:
        path = folder / relative
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    return apply


CHANGES = {
    "a .tf edited": edit("main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "x"\n}\n'),
    "whitespace only": edit("main.tf", 'resource "aws_sqs_queue" "q" {\n  name =  var.name\n}\n'),
    "a .tf added": edit("outputs.tf", 'output "x" {\n  value = 1\n}\n'),
    "a .tf removed": edit("variables.tf", None),
    "a .tf.json added": edit("extra.tf.json", '{"locals": {"a": 1}}'),
    "the lock file added": edit(".terraform.lock.hcl", 'provider "registry.terraform.io/hashicorp/aws" {}\n'),
    "an override file": edit("main_override.tf", "locals {}\n"),
    "a local module's file": edit("modules/queue/main.tf", 'variable "x" {}\n'),
    "a file file() reads": edit("policy.json", "{}"),
    "a tfvars edited": edit("environments/dev.tfvars", 'name = "sit"\n'),
    "an empty folder": lambda folder: (folder / "modules" / "empty").mkdir(parents=True),
    "a file renamed": lambda folder: (folder / "main.tf").rename(folder / "queue.tf"),
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_every_change_to_the_folder_is_another_key(tmp_path: Path, change: str) -> None:
    folder = write_folder(tmp_path)
    before = snapshot(folder, tmp_path)
    assert snapshot(folder, tmp_path).digest == before.digest  # stable when nothing changes
    CHANGES[change](folder)
    after = snapshot(folder, tmp_path)
    assert after.digest != before.digest
    for check in (FMT, VALIDATE):
        assert verdict_key(check, "toolchain", after) != verdict_key(check, "toolchain", before)


def test_what_terraform_init_leaves_behind_is_not_an_input(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    before = snapshot(folder, tmp_path).digest
    (folder / ".terraform" / "providers").mkdir(parents=True)
    (folder / ".terraform" / "terraform.tfstate").write_text("{}", encoding="utf-8")
    assert snapshot(folder, tmp_path).digest == before


def test_the_check_and_the_toolchain_are_part_of_the_key(tmp_path: Path) -> None:
    files = snapshot(write_folder(tmp_path), tmp_path)
    keys = {verdict_key(c, t, files) for c in (FMT, VALIDATE) for t in ("terraform 1.11.4", "terraform 1.11.5")}
    assert len(keys) == 4


def test_the_copy_is_made_of_the_bytes_that_were_hashed_as_regular_files(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    shared = tmp_path / "shared.tf"
    shared.write_text("locals {\n  shared = true\n}\n", encoding="utf-8")
    (folder / "shared.tf").symlink_to(shared)  # inside the repositories' root: followed
    (folder / "modules").symlink_to(tmp_path / "repo" / "terraform" / "environments", target_is_directory=True)
    files = snapshot(folder, tmp_path)
    assert not files.escapes
    copy = tmp_path / "copy"
    files.write(copy)
    written = {str(p.relative_to(copy)): p for p in copy.rglob("*")}
    assert not any(p.is_symlink() for p in written.values())
    assert (copy / "shared.tf").read_text(encoding="utf-8") == shared.read_text(encoding="utf-8")
    assert (copy / "modules" / "dev.tfvars").is_file()
    assert snapshot(copy, tmp_path).digest == files.digest
    shared.write_text("locals {}\n", encoding="utf-8")  # the link's target is an input too
    assert snapshot(folder, tmp_path).digest != files.digest


def test_links_that_leave_the_root_or_lead_nowhere_are_not_read(tmp_path: Path) -> None:
    root = tmp_path / "repos"
    folder = write_folder(root)
    outside = tmp_path / "secret.tf"
    outside.write_text('locals { secret = "never read" }\n', encoding="utf-8")
    (folder / "stolen.tf").symlink_to(outside)
    (folder / "dangling.tf").symlink_to(root / "nothing-here.tf")
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    files = snapshot(folder, root)
    found = {e.relative: e.why for e in files.escapes}
    assert found["stolen.tf"] == f"a symbolic link to {outside.resolve()}, outside {root.resolve()}"
    assert found["dangling.tf"] == "a symbolic link to nothing"
    assert found["loop"].endswith("(a loop)")
    assert not any(b"never read" in data for data in files.files.values())


# -- what a verdict depends on: the toolchain ---------------------------------------------------------


@pytest.fixture
def fake_toolchain(monkeypatch, tmp_path: Path):
    """A terraform on the PATH and a provider mirror, both fake files: only their identity is read."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    binary = bin_dir / "terraform"
    binary.write_text("#!/bin/sh\necho 1.11.4\n", encoding="utf-8")
    binary.chmod(0o755)
    mirror = tmp_path / "mirror"
    provider = mirror / terraform.PROVIDER / "5.100.0" / "linux_amd64"
    provider.mkdir(parents=True)
    (provider / "terraform-provider-aws_v5.100.0_x5").write_bytes(b"provider 5.100.0")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    terraform.terraform_binary.cache_clear()
    terraform.installation.cache_clear()
    config = tmp_path / "terraform.rc"
    config.write_text(ProviderInstallation(mirror, tmp_path / "cache").cli_config(), encoding="utf-8")
    yield binary, mirror, {"TF_CLI_CONFIG_FILE": str(config), "PATH": os.environ["PATH"]}
    terraform.terraform_binary.cache_clear()
    terraform.installation.cache_clear()


def test_every_change_to_the_toolchain_is_another_identity(fake_toolchain, tmp_path: Path) -> None:
    binary, mirror, env = fake_toolchain
    seen = [terraform.toolchain_identity(env)]

    def changed() -> bool:
        seen.append(terraform.toolchain_identity(env))
        return seen[-1] not in seen[:-1]

    assert terraform.toolchain_identity(env) == seen[0]  # stable when nothing changes
    binary.write_text("#!/bin/sh\necho 1.11.5\n", encoding="utf-8")  # another terraform version
    assert changed()
    provider = mirror / terraform.PROVIDER / "5.100.0" / "linux_amd64" / "terraform-provider-aws_v5.100.0_x5"
    provider.write_bytes(b"provider 5.100.0, rebuilt")  # the same version, another build
    assert changed()
    (mirror / terraform.PROVIDER / "5.101.0" / "linux_amd64").mkdir(parents=True)
    (mirror / terraform.PROVIDER / "5.101.0" / "linux_amd64" / "terraform-provider-aws_v5.101.0_x5").write_bytes(b"p")
    assert changed()  # a provider version more that a constraint could pick
    (mirror / "registry.terraform.io" / "hashicorp" / "random" / "3.6.0").mkdir(parents=True)
    (mirror / "registry.terraform.io" / "hashicorp" / "random" / "3.6.0" / "p").write_bytes(b"random")
    assert changed()  # another provider of the mirror
    Path(env["TF_CLI_CONFIG_FILE"]).write_text(ProviderInstallation(tmp_path, tmp_path).cli_config(), encoding="utf-8")
    assert changed()  # another CLI configuration
    env["TF_CLI_ARGS_validate"] = "-json"
    assert changed()  # a variable that changes what terraform does or prints
    env["TF_PLUGIN_CACHE_DIR"] = str(tmp_path / "anywhere")
    assert not changed()  # set by the gate itself for a run: not an input


# -- the gate, with the real terraform ----------------------------------------------------------------


@pytest.fixture
def cache_dir(monkeypatch, tmp_path: Path) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


@pytest.fixture
def counted_runs(monkeypatch) -> list[list[str]]:
    """Every terraform command the gate runs."""
    runs: list[list[str]] = []
    real = terraform.run

    def counting(args, *rest, **options):
        runs.append(args)
        return real(args, *rest, **options)

    monkeypatch.setattr(terraform, "run", counting)
    return runs


def one_repo(fleet: Path, tmp_path: Path, name: str) -> Path:
    root = tmp_path / "fleet"
    root.mkdir()
    shutil.copytree(fleet / name, root / name, symlinks=True)
    return root


def terraform_cases(platform: Platform, repo: str) -> list:
    return [c for c in plan_cases(platform, terraform_cli.CRITERIA, ["dev"]) if c.repo == repo]


def outcomes_of(root: Path, platform: Platform, repo: str, prepared: bool = True) -> dict[str, tuple[str, str]]:
    evidence = FleetEvidence(root, platform, {"terraform": "require"})
    cases = terraform_cases(platform, repo)
    if prepared:
        prepare_static(cases, evidence)
    try:
        return {c.criterion.id: (o.status, o.message) for c in cases for o in [run_case(c, evidence)]}
    finally:
        terraform_cli.finish(evidence)


@pytest.mark.terraform
def test_a_hit_runs_nothing_and_any_change_runs_terraform_again(
    terraform_env, fleet: Path, platform: Platform, tmp_path: Path, cache_dir: Path, counted_runs
) -> None:
    repo = platform.lambda_repo(platform.lambdas.functions[0])
    root = one_repo(fleet, tmp_path, repo)
    cold = outcomes_of(root, platform, repo)
    assert cold == {"TF-FMT": ("passed", ""), "TF-VALIDATE": ("passed", "")}
    assert [a[0] for a in counted_runs] == ["fmt", "init", "validate"]
    assert len(list((cache_dir / terraform_cli.CACHE_FOLDER).glob("*.json"))) == 2

    counted_runs.clear()
    assert outcomes_of(root, platform, repo) == cold  # warm: the same verdicts
    assert counted_runs == []  # and terraform never ran

    lambda_tf = root / repo / "terraform" / "lambda.tf"
    lambda_tf.write_text(
        lambda_tf.read_text(encoding="utf-8").replace("aws_cloudwatch_log_group.this]", "aws_cloudwatch_log_group.x]"),
        encoding="utf-8",
    )
    broken = outcomes_of(root, platform, repo)
    assert [a[0] for a in counted_runs] == ["fmt", "init", "validate"]  # a miss: both run again
    assert broken["TF-FMT"] == ("passed", "")
    assert broken["TF-VALIDATE"][0] == "failed" and "Reference to undeclared resource" in broken["TF-VALIDATE"][1]

    counted_runs.clear()
    assert outcomes_of(root, platform, repo, prepared=False) == broken  # a failure is kept too, word for word
    assert counted_runs == []

    for entry in (cache_dir / terraform_cli.CACHE_FOLDER).glob("*.json"):
        entry.write_text(entry.read_text(encoding="utf-8")[:-9], encoding="utf-8")  # every entry corrupted
    assert outcomes_of(root, platform, repo) == broken
    assert [a[0] for a in counted_runs] == ["fmt", "init", "validate"]  # ignored: terraform ran again


@pytest.mark.terraform
def test_runs_side_by_side_share_the_cache_and_agree(
    terraform_env, fleet: Path, platform: Platform, tmp_path: Path, cache_dir: Path
) -> None:
    repo = platform.infrastructure.repo
    root = one_repo(fleet, tmp_path, repo)
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: outcomes_of(root, platform, repo), range(2))
    assert first == second == {"TF-FMT": ("passed", ""), "TF-VALIDATE": ("passed", "")}
    entries = list((cache_dir / terraform_cli.CACHE_FOLDER).iterdir())
    assert len(entries) == 2 and all(VerdictCache(e.parent).get(e.stem) for e in entries)


@pytest.mark.terraform
def test_a_link_out_of_the_root_skips_both_checks_and_is_never_copied(
    terraform_env, fleet: Path, platform: Platform, tmp_path: Path, cache_dir: Path, counted_runs
) -> None:
    repo = platform.lambda_repo(platform.lambdas.functions[0])
    root = one_repo(fleet, tmp_path, repo)
    outside = tmp_path / "elsewhere.tf"
    outside.write_text("this is not HCL: it would fail fmt if it were read\n", encoding="utf-8")
    (root / repo / "terraform" / "elsewhere.tf").symlink_to(outside)
    found = outcomes_of(root, platform, repo)
    why = "terraform/ holds entries the suite refuses to read (TF-PARSE names them): not run"
    assert found == {"TF-FMT": ("skipped", why), "TF-VALIDATE": ("skipped", why)}
    assert counted_runs == []


@pytest.mark.terraform
def test_the_gate_runs_the_planned_folders_in_parallel(terraform_env, fleet: Path, tmp_path: Path) -> None:
    """Two fmt checks overlap: each is held at a barrier that only both together can pass."""
    barrier = threading.Barrier(2, timeout=60)
    gate = TerraformGate(fleet, None, workers=2)
    real = gate._run

    def held(check: str, copy: Path):
        barrier.wait()
        return real(check, copy)

    gate._run = held  # type: ignore[method-assign]
    folders = [fleet / name / "terraform" for name in sorted(os.listdir(fleet))[:2]]
    try:
        gate.start([(folder, [FMT]) for folder in folders])
        assert all(gate.verdict(folder, FMT).run.ok for folder in folders)
    finally:
        gate.close()


def test_a_run_that_did_not_end_by_itself_is_reported_but_never_kept(
    fake_toolchain, monkeypatch, tmp_path: Path
) -> None:
    """A validate killed (timeout, stop) is reported as it is; the next run runs it again."""
    folder = write_folder(tmp_path)
    answers = {"fmt": terraform.TerraformRun(0, ""), "init": terraform.TerraformRun(-9, "(stopped after 600 s)\n")}
    runs: list[str] = []

    def fake(args, *_, **__):
        runs.append(args[0])
        return answers[args[0]]

    monkeypatch.setattr(terraform, "run", fake)
    cache = VerdictCache(tmp_path / "cache")
    for expected_runs in (["init", "fmt"], ["init"]):
        runs.clear()
        gate = TerraformGate(tmp_path, cache, workers=1)
        try:
            assert gate.verdict(folder, VALIDATE).run == answers["init"]
            assert gate.verdict(folder, FMT).run.ok
        finally:
            gate.close()
        assert runs == expected_runs
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1  # the fmt verdict only


def test_from_the_registry_a_validate_verdict_is_kept_only_with_a_lock_file(fake_toolchain, tmp_path: Path) -> None:
    """No mirror (GitHub's hosted runners): the provider is whatever the registry gives, so only a lock
    file pins it; without one the validate verdict is never kept (fmt needs no provider: always kept)."""
    _, _, env = fake_toolchain
    from_the_mirror = terraform.toolchain_identity(env)
    runs: list[str] = []

    def fake(args, *_, **__):
        runs.append(args[0])
        return terraform.TerraformRun(0, "")

    cache = VerdictCache(tmp_path / "cache")

    def checks_run(folder: Path) -> list[str]:
        runs.clear()
        gate = TerraformGate(tmp_path, cache, workers=1)
        try:
            assert gate.verdict(folder, VALIDATE).run.ok and gate.verdict(folder, FMT).run.ok
        finally:
            gate.close()
        return sorted(runs)

    with pytest.MonkeyPatch.context() as patch:  # undone before fake_toolchain's own teardown
        patch.setattr(terraform, "installation", lambda: ProviderInstallation(None, tmp_path / "plugins"))
        patch.setattr(terraform, "run", fake)
        assert terraform.toolchain_identity(env) != from_the_mirror
        unlocked = write_folder(tmp_path / "unlocked")
        assert checks_run(unlocked) == ["fmt", "init", "validate"]
        assert checks_run(unlocked) == ["init", "validate"]  # fmt kept; validate again: nothing pins the provider
        locked = write_folder(tmp_path / "locked")
        lock_file = 'provider "registry.terraform.io/hashicorp/aws" {}\n'
        (locked / terraform.LOCK_FILE).write_text(lock_file, encoding="utf-8")
        assert checks_run(locked) == ["fmt", "init", "validate"]
        assert checks_run(locked) == []  # the lock file pins the provider: both verdicts kept


def test_installs_into_a_shared_plugin_cache_take_turns_across_processes(tmp_path: Path) -> None:
    """Two runs (or two test workers) may share the user's plugin cache, which Terraform does not make
    safe for concurrent installs: while one holds `installing`, another process cannot take it."""
    registry = ProviderInstallation(None, tmp_path / "plugins")
    probe = (
        "import fcntl, sys\n"
        "with open(sys.argv[1], 'a') as lock:\n"
        "    try:\n        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)\n    except BlockingIOError:\n"
        "        print('held')\n    else:\n        print('free')\n"
    )

    def other_process() -> str:
        lock = str(tmp_path / "plugins" / ".install.lock")
        return subprocess.run([sys.executable, "-c", probe, lock], capture_output=True, text=True, check=True).stdout

    with installing(registry):
        assert other_process().strip() == "held"
    assert other_process().strip() == "free"
    (tmp_path / "mirror" / terraform.PROVIDER / "5.100.0").mkdir(parents=True)
    unpacked = ProviderInstallation(tmp_path / "mirror", tmp_path / "unused")
    with installing(unpacked):  # inits link from an unpacked mirror: nothing to hold, no cache made
        assert not (tmp_path / "unused").exists()
