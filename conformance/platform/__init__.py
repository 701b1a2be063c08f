"""The platform spec: model, loading and the context the templates render from."""

from conformance.platform.load import PlatformError, load_platform, parse_platform
from conformance.platform.model import LambdaFunction, Platform

__all__ = ["LambdaFunction", "Platform", "PlatformError", "load_platform", "parse_platform"]
