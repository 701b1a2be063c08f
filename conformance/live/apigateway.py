"""API Gateway (REST) reads: the API by name (exactly one), and its resources with their methods."""

from __future__ import annotations

from typing import Any

from conformance.live.errors import Missing
from conformance.live.session import LiveEnv, Target

OWNER = "INF-API-REST"
PAGE_SIZE = 500  # the largest page get_rest_apis gives


def _target(live: LiveEnv) -> Target:
    return Target(live.names.rest_api, "the REST API", OWNER)


def rest_api(live: LiveEnv) -> dict[str, Any]:
    """The one REST API with the spec's name, read through the paginator (names are not unique)."""
    name = live.names.rest_api
    items = live.pages("apigateway", "GetRestApis", {"limit": PAGE_SIZE}, "items", _target(live))
    matches = [api for api in items if api.get("name") == name]
    if len(matches) != 1:
        found = "none" if not matches else f"{len(matches)} ({', '.join(a['id'] for a in matches)})"
        raise Missing(name, f"exactly one REST API named {name}", OWNER, found, "get_rest_apis → items[].name")
    return matches[0]


def resources(live: LiveEnv) -> list[dict[str, Any]]:
    """`get_resources(restApiId, embed=['methods'])` over every page: paths with methods and integrations."""
    params = {"restApiId": rest_api(live)["id"], "embed": ["methods"], "limit": PAGE_SIZE}
    return live.pages("apigateway", "GetResources", params, "items", _target(live))
