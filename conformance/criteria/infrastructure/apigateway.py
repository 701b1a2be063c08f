"""API Gateway: the REST API exists, in the HCL and deployed (exactly one of its name)."""

from __future__ import annotations

from conformance.criteria.base import Criterion, reads
from conformance.criteria.hcl_checks import named
from conformance.criteria.infrastructure import INFRASTRUCTURE, RESOURCES, TERRAFORM
from conformance.criteria.values import Exists
from conformance.evidence.fleet import RepoView
from conformance.evidence.module import Instance
from conformance.live import apigateway as apigateway_live


def rest_api(view: RepoView) -> Instance:
    return named(view, "aws_api_gateway_rest_api", view.names.rest_api)


CRITERIA = [
    Criterion(
        id="INF-API-REST",
        title="REST API exists",
        requirement=RESOURCES,
        scope=INFRASTRUCTURE,
        files=TERRAFORM,
        value=Exists(hcl=rest_api, aws=apigateway_live.rest_api),
        live_reads=reads("apigateway:GetRestApis@rest_api"),
        owns=("rest_api",),
    ),
]
