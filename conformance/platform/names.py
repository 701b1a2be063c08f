"""What a valid id, region, name and name pattern is: ASCII only, matched whole.

Every pattern here is compiled with `re.ASCII` and used with `fullmatch`: `\\d` would take any
Unicode digit and `$` matches before a trailing newline, so neither appears. The AWS rules for
the names the spec's patterns render to (S3 buckets, IAM roles, DynamoDB tables, ...) live here
too, so a pattern is judged by what it produces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


def strict(pattern: str) -> re.Pattern[str]:
    """A pattern over ASCII only; always used with `fullmatch`."""
    return re.compile(pattern, re.ASCII)


ACCOUNT_ID = strict(r"[0-9]{12}")
SNAKE_CASE = strict(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
THING = strict(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
PROJECT = strict(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
ENV_NAME = strict(r"[a-z][a-z0-9]{0,15}")
ATTRIBUTE_NAME = strict(r"[A-Za-z_][A-Za-z0-9_.-]{0,254}")
INDEX_NAME = strict(r"[A-Za-z0-9_.-]{3,255}")
PATH_PART = r"(?:[A-Za-z0-9_.-]+|\{[a-z_][a-z0-9_]*\})"
HTTP_PATH = strict(rf"/{PATH_PART}(?:/{PATH_PART})*")
# A GitHub repository (and a folder of the output): no '/', never '.', '..' or hidden, never an option.
REPO_NAME = strict(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
GITHUB_ORGANISATION = strict(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}")
GITHUB_ENVIRONMENT = strict(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
CONFIRMATION = strict(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
TERRAFORM_VERSION = strict(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?:-(?:alpha|beta|rc)[0-9]{0,8})?")
PYTHON_VERSION = strict(r"3\.[0-9]{1,2}")
LAMBDA_RUNTIME = strict(r"python3\.[0-9]{1,2}")
PINNED_ACTION = strict(
    r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/[A-Za-z0-9_.-]{1,100}(?:/[A-Za-z0-9_.-]{1,100})*"
    r"@[0-9a-f]{40} # v[0-9]{1,4}(?:\.[0-9]{1,4}){0,2}(?:-[0-9A-Za-z.]{1,20})?"
)
# A pinned kit: a full commit SHA or a version tag (v1.2.3, v1.2.3-rc1); never a branch.
KIT_REF = strict(r"[0-9a-f]{40}|v[0-9]{1,4}\.[0-9]{1,4}\.[0-9]{1,4}(?:-[0-9A-Za-z.]{1,20})?")
IAM_ROLE_NAME = strict(r"[A-Za-z0-9+=,.@_-]{1,64}")
DYNAMODB_TABLE_NAME = strict(r"[A-Za-z0-9_.-]{3,255}")
S3_BUCKET = strict(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
IPV4 = strict(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
STATE_KEY_PART = strict(r"[A-Za-z0-9_.-]+")

MAX_LAMBDA_NAME = 64
MAX_THING = 64


@dataclass(frozen=True)
class Pattern:
    """A name pattern of the spec: which placeholders it may and must hold, what may stand around them."""

    placeholders: tuple[str, ...]
    required: tuple[str, ...]
    literal: re.Pattern[str]
    literal_text: str


NAMING = Pattern(("thing", "env"), ("thing", "env"), strict(r"[a-z0-9-]+"), "a-z, 0-9 and '-'")
STATE_BUCKET = Pattern(("env",), ("env",), strict(r"[a-z0-9.-]+"), "a-z, 0-9, '.' and '-'")
STATE_KEY = Pattern(("repo",), ("repo",), strict(r"[A-Za-z0-9_./-]+"), "letters, digits, '_', '.', '/' and '-'")
LOCK_TABLE = Pattern(("env",), ("env",), strict(r"[A-Za-z0-9_.-]+"), "letters, digits, '_', '.' and '-'")
REPO_DEPLOY_ROLE = Pattern(
    ("repo", "env"), ("repo", "env"), strict(r"[A-Za-z0-9+=,.@_-]+"), "letters, digits and '+=,.@_-'"
)
LAMBDA_REPO = Pattern(("name",), ("name",), strict(r"[A-Za-z0-9_.-]+"), "letters, digits, '_', '.' and '-'")
OIDC_SUBJECT = Pattern(
    ("organisation", "organisation_id", "repository", "repository_id"),
    ("organisation_id", "repository_id"),
    strict(r"[A-Za-z0-9@/_.:-]+"),
    "letters, digits and '@/_.:-'",
)


@cache
def aws_regions() -> frozenset[str]:
    """Every region of every partition botocore knows (aws, aws-cn, aws-us-gov, ...)."""
    import botocore.loaders

    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    return frozenset(region for partition in endpoints["partitions"] for region in partition["regions"])


def s3_bucket_problem(name: str) -> str | None:
    """Why `name` cannot be an S3 bucket (general purpose), or None."""
    if not S3_BUCKET.fullmatch(name):
        return "3 to 63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit"
    if ".." in name or ".-" in name or "-." in name:
        return "no '.' next to '.' or '-'"
    if IPV4.fullmatch(name):
        return "not an IP address"
    if name.startswith(S3_RESERVED_PREFIXES) or name.endswith(S3_RESERVED_SUFFIXES):
        return "no prefix or suffix AWS reserves (xn--, sthree-, -s3alias, --ol-s3, ...)"
    return None


def state_key_problem(key: str) -> str | None:
    """Why `key` cannot be a Terraform state object key, or None."""
    if len(key) > 1024:
        return "at most 1024 characters"
    if not all(STATE_KEY_PART.fullmatch(part) and part not in (".", "..") for part in key.split("/")):
        return "'/'-separated parts of letters, digits, '_', '.' and '-', none empty, '.' or '..'"
    return None


def length_problem(limit: int) -> str:
    return f"at most {limit} characters"
