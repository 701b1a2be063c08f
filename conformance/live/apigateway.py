"""API Gateway (REST) reads: the API by name (exactly one), its resources with their methods, and its stage."""

from __future__ import annotations

from typing import Any

from conformance.live.errors import Missing, Subject
from conformance.live.session import LiveEnv

KIND = "rest_api"
STAGE_KIND = "api_stage"
PAGE_SIZE = 500  # the largest page get_rest_apis gives


def _subject(live: LiveEnv) -> Subject:
    return Subject(live.names.rest_api, "the REST API", KIND)


def rest_api(live: LiveEnv) -> dict[str, Any]:
    """The one REST API with the spec's name, read through the paginator (names are not unique)."""
    name = live.names.rest_api
    items = live.pages("apigateway", "GetRestApis", {"limit": PAGE_SIZE}, "items", _subject(live))
    matches = [api for api in items if api.get("name") == name]
    if len(matches) != 1:
        found = "none" if not matches else f"{len(matches)} ({', '.join(a['id'] for a in matches)})"
        raise Missing(name, f"exactly one REST API named {name}", KIND, found, "get_rest_apis → items[].name")
    return matches[0]


def resources(live: LiveEnv) -> list[dict[str, Any]]:
    """`get_resources(restApiId, embed=['methods'])` over every page: paths with methods and integrations."""
    params = {"restApiId": rest_api(live)["id"], "embed": ["methods"], "limit": PAGE_SIZE}
    return live.pages("apigateway", "GetResources", params, "items", _subject(live))


def _stage_subject(live: LiveEnv) -> Subject:
    return Subject(live.names.api_stage, f"the stage {live.env} of the REST API", STAGE_KIND)


def stage(live: LiveEnv) -> dict[str, Any]:
    """`get_stage(restApiId, stageName)` of the stage named after the env."""
    params = {"restApiId": rest_api(live)["id"], "stageName": live.env}
    return live.call("apigateway", "GetStage", params, _stage_subject(live))


def served(live: LiveEnv) -> dict[str, Any]:
    """`get_deployment(restApiId, deploymentId, embed=['apisummary'])` of the deployment the stage serves: the
    methods recorded when it was made (`apiSummary`: path -> method -> authorizationType), i.e. what is served."""
    params = {"restApiId": rest_api(live)["id"], "deploymentId": stage(live)["deploymentId"], "embed": ["apisummary"]}
    return live.call("apigateway", "GetDeployment", params, _stage_subject(live))
