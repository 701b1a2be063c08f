"""The sandbox's AWS emulator: moto's server on 127.0.0.1, in its own process, with a few answers
corrected to be what AWS answers.

    python -m conformance.sandbox.emulator --port 0      # prints "ready http://127.0.0.1:PORT"

Corrections (applied in the server process only, see `apply_patches`), each where moto 5 answers
differently from AWS and the AWS provider would wait or plan a change because of it:

- SQS `RedriveAllowPolicy`: moto accepts it in SetQueueAttributes but never returns it (and
  rejects it as an attribute name in GetQueueAttributes), so the provider's
  `aws_sqs_queue_redrive_allow_policy` waits for it until it times out. The emulator stores it
  and returns it, as AWS does; an empty value removes it, as on AWS.
- SQS `RedrivePolicy`: moto returns it as `json.dumps` prints it (`{"a": 1, "b": 2}`); AWS returns
  it compact (`{"a":1,"b":2}`). The emulator returns it compact.
- Lambda `ListEventSourceMappings(FunctionName=...)`: AWS resolves the name or ARN to the
  function; moto matches the text the mapping was created with, so a mapping Terraform created
  with the function's ARN is not found by its name. The emulator resolves it as AWS does.
- S3 bucket policies over TLS, API Gateway deployments and stages (conformance/sandbox/corrections.py).

Nothing here makes the emulator accept more than AWS would: each correction adds an answer AWS
gives, so what Terraform deploys is what the generated code says.

Over 400 lines as one idea: the emulator process and what it corrects.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from conformance.sandbox.corrections import PATCHES as MORE_PATCHES
from conformance.sandbox.latency import Latency, check_latency, latency_argument
from conformance.tooling.processes import stop

LOOPBACK = "127.0.0.1"
READY_PREFIX = "ready "
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
# The services the generated repositories use: moto's extras to install, nothing more.
MOTO_EXTRAS = ("apigateway", "awslambda", "cloudwatch", "dynamodb", "iam", "kms", "logs", "s3", "sns", "sqs", "sts")
INSTALL_HINT = f"pip install 'moto[{','.join(MOTO_EXTRAS)}]>=5.0' flask flask-cors  (or: pip install -e '.[sandbox]')"
REDRIVE_PERMISSIONS = ("allowAll", "denyAll", "byQueue")


class EmulatorError(RuntimeError):
    """The emulator could not be started or answered wrongly; the message is one line."""


def check_host(host: str) -> str:
    """The emulator listens on the loopback address only: it accepts any request unauthenticated."""
    if host != LOOPBACK:
        raise EmulatorError(f"the emulator listens on {LOOPBACK} only, not {host!r}")
    return host


def check_port(port: int) -> int:
    if not 0 <= port <= 65535:
        raise EmulatorError(f"expected a port from 0 (any free port) to 65535, found {port}")
    return port


# --- corrections of moto's answers (server process only) -------------------------------------


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _check_redrive_allow_policy(value: str) -> None:
    from moto.sqs.exceptions import InvalidParameterValue

    try:
        policy = json.loads(value)
    except ValueError:
        raise InvalidParameterValue("Invalid value for the parameter RedriveAllowPolicy") from None
    if not isinstance(policy, dict) or policy.get("redrivePermission") not in REDRIVE_PERMISSIONS:
        raise InvalidParameterValue(
            "Value for parameter RedriveAllowPolicy is invalid. Reason: redrivePermission must be one of "
            + ", ".join(REDRIVE_PERMISSIONS)
        )
    sources = policy.get("sourceQueueArns")
    if (policy["redrivePermission"] == "byQueue") != bool(sources):
        raise InvalidParameterValue(
            "Value for parameter RedriveAllowPolicy is invalid. Reason: sourceQueueArns is required with "
            "byQueue and not allowed otherwise"
        )


def patch_sqs_redrive_allow_policy() -> None:
    """Store and return `RedriveAllowPolicy` (moto 5 drops it), and keep `Policy` across updates."""
    from moto.sqs.models import Queue

    if "RedriveAllowPolicy" in Queue.BASE_ATTRIBUTES:
        return
    Queue.BASE_ATTRIBUTES = [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"]
    Queue.redrive_allow_policy = None  # type: ignore[attr-defined]  # queues that never set it
    original = Queue._set_attributes

    def _set_attributes(self: Any, attributes: dict[str, Any], now: Any = None) -> None:
        # moto clears `Policy` on every SetQueueAttributes that does not name it; AWS keeps it.
        # Terraform sets the redrive allow policy and the queue policy in parallel, so without
        # this the queue policy is lost half the time and its apply waits until it times out.
        if "Policy" not in attributes and getattr(self, "policy", None) is not None:
            attributes = {**attributes, "Policy": self.policy}
        if "RedriveAllowPolicy" in attributes:
            value = attributes["RedriveAllowPolicy"]
            if value in ("", None):
                attributes = {**attributes, "RedriveAllowPolicy": None}
            else:
                _check_redrive_allow_policy(str(value))
        original(self, attributes, now)

    Queue._set_attributes = _set_attributes  # type: ignore[method-assign]


def patch_sqs_compact_redrive_policy() -> None:
    """Return `RedrivePolicy` as compact JSON, as AWS does."""
    from moto.sqs.models import Queue

    original = Queue.attributes
    if getattr(original, "_sandbox_patched", False):
        return

    def attributes(self: Any) -> dict[str, Any]:
        result = original.fget(self)  # type: ignore[misc]
        if self.redrive_policy:
            result["RedrivePolicy"] = _compact_json(self.redrive_policy)
        return result

    patched = property(attributes)
    patched.fget._sandbox_patched = True  # type: ignore[union-attr]
    Queue.attributes = patched  # type: ignore[method-assign,assignment]


def patch_lambda_event_source_mapping_filter() -> None:
    """`ListEventSourceMappings(FunctionName=name)` finds mappings created with the function's ARN.

    AWS resolves FunctionName (name, ARN or partial ARN) to the function; moto compares the text
    as given at creation, so a mapping Terraform created with the ARN is not listed by name.
    """
    from moto.awslambda.models import LambdaBackend

    original = LambdaBackend.list_event_source_mappings
    if getattr(original, "_sandbox_patched", False):
        return

    def list_event_source_mappings(self: Any, event_source_arn: str, function_name: str) -> Any:
        mappings = original(self, event_source_arn, None)
        if not function_name:
            return mappings
        try:
            wanted = self.get_function(function_name).function_arn
        except Exception:  # an unknown function: compare the text, as moto does
            wanted = None
        return [m for m in mappings if m.function_name == function_name or (wanted and m.function_arn == wanted)]

    list_event_source_mappings._sandbox_patched = True  # type: ignore[attr-defined]
    LambdaBackend.list_event_source_mappings = list_event_source_mappings  # type: ignore[method-assign]


PATCHES = {
    "sqs-redrive-allow-policy": patch_sqs_redrive_allow_policy,
    "sqs-compact-redrive-policy": patch_sqs_compact_redrive_policy,
    "lambda-event-source-mapping-filter": patch_lambda_event_source_mapping_filter,
    **MORE_PATCHES,
}


def apply_patches() -> list[str]:
    """Apply every correction; returns their names."""
    for patch in PATCHES.values():
        patch()
    return list(PATCHES)


# --- the server process ------------------------------------------------------------------------


def _watch_parent(parent: int, stop: Callable[[], None]) -> None:
    """Stop when the process that started the emulator is gone (even if it was killed)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    stop()


def serve(
    port: int,
    host: str = LOOPBACK,
    patched: bool = True,
    out: IO[str] | None = None,
    follow_parent: bool = False,
    latency_ms: int = 0,
) -> None:
    """Run moto's server until SIGTERM or SIGINT; print `ready URL` once it listens.

    With `follow_parent`, it also stops when its parent process ends, so a sandbox that is killed
    outright leaves no emulator behind.
    """
    check_host(host)
    check_port(port)
    try:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server
    except ImportError as error:
        raise EmulatorError(f"moto's server cannot be imported ({error}): {INSTALL_HINT}") from None
    if patched:
        apply_patches()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = Latency(DomainDispatcherApplication(create_backend_app), latency_ms)  # conformance.sandbox.latency
    try:
        server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    except OSError as error:
        raise EmulatorError(f"cannot listen on {host}:{port} ({error.strerror or error})") from None

    def shutdown() -> None:
        # shutdown() waits for serve_forever to return: call it from another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, lambda _signum, _frame: shutdown())
    signal.signal(signal.SIGINT, lambda _signum, _frame: shutdown())
    if follow_parent:
        threading.Thread(target=_watch_parent, args=(os.getppid(), shutdown), daemon=True).start()
    out = out or sys.stdout
    out.write(f"{READY_PREFIX}http://{host}:{server.server_port}\n")
    out.flush()
    try:
        server.serve_forever()
    finally:
        server.server_close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="moto's server for the sandbox, on 127.0.0.1 only")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default 0: any free port)")
    parser.add_argument("--host", default=LOOPBACK, help=f"only {LOOPBACK} is accepted")
    parser.add_argument("--no-patches", action="store_true", help="plain moto (to measure what the patches save)")
    parser.add_argument("--follow-parent", action="store_true", help="stop when the parent process ends")
    parser.add_argument("--latency-ms", type=latency_argument, default=0, help="delay each AWS call (default 0)")
    args = parser.parse_args(argv)
    try:
        serve(
            args.port,
            args.host,
            patched=not args.no_patches,
            follow_parent=args.follow_parent,
            latency_ms=args.latency_ms,
        )
    except EmulatorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


# --- the parent side ---------------------------------------------------------------------------


def _read_ready_line(stream: IO[str], timeout: float) -> str | None:
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return found[0] if found else None


class Emulator:
    """moto's server in a child process on 127.0.0.1; a context manager that always stops it."""

    def __init__(
        self,
        account_id: str,
        port: int = 0,
        managed_policies: bool = False,
        patched: bool = True,
        log_path: Path | None = None,
        latency_ms: int = 0,
    ) -> None:
        self.latency_ms = check_latency(latency_ms)
        self.account_id = account_id
        self.port = check_port(port)
        self.managed_policies = managed_policies
        self.patched = patched
        self.log_path = log_path
        self.url = ""
        self.process: subprocess.Popen[str] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "MOTO_"))}
        env["MOTO_ACCOUNT_ID"] = self.account_id
        if self.managed_policies:
            env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        project_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [project_root, os.environ.get("PYTHONPATH")]))
        return env

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> str:
        command = [sys.executable, "-m", "conformance.sandbox.emulator", "--port", str(self.port), "--follow-parent"]
        if not self.patched:
            command.append("--no-patches")
        if self.latency_ms:
            command += ["--latency-ms", str(self.latency_ms)]
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # The server's stderr: the log file, or a scratch file read only to explain a failed start.
        with self.log_path.open("w+", encoding="utf-8") if self.log_path else tempfile.TemporaryFile("w+") as log:
            self.process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=log, text=True, env=self.environment()
            )
            assert self.process.stdout is not None
            line = _read_ready_line(self.process.stdout, timeout)
            if not line or not line.startswith(READY_PREFIX):
                try:  # stdout can close a moment before the exit status is there
                    exited = self.process.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    exited = None
                self.stop()
                log.seek(0)
                said = [text for text in log.read().splitlines() if text.strip()]
                why = said[-1] if said else f"no answer within {timeout:.0f} s"
                status = f" (exit {exited})" if exited is not None else ""
                raise EmulatorError(f"the emulator did not start{status}: {why}")
        self.url = line[len(READY_PREFIX) :].strip()
        self.port = int(self.url.rsplit(":", 1)[1])
        self.wait_until_answering()
        return self.url

    def wait_until_answering(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=5):
                    return
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise EmulatorError(f"the emulator at {self.url} does not answer") from None
                time.sleep(0.1)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        stop([process], STOP_TIMEOUT_SECONDS)
        if process.stdout:
            process.stdout.close()

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def aws_client(service: str, endpoint_url: str, region: str) -> Any:
    """A boto3 client for the emulator, with its dummy credentials (the sandbox's own writes)."""
    import boto3

    return boto3.session.Session().client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


def client_environment(url: str, region: str) -> Mapping[str, str]:
    """What an AWS client (boto3, the AWS CLI, Terraform) needs to talk to the emulator only."""
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ENDPOINT_URL_S3": url,
        "AWS_ENDPOINT_URL_DYNAMODB": url,
        "AWS_ENDPOINT_URL_STS": url,
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


if __name__ == "__main__":
    sys.exit(main())
