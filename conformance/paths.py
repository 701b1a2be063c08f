"""Where the project's own files live, whether run from a checkout or an editable install."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PLATFORM = PROJECT_ROOT / "infra" / "platform.yaml"
TEMPLATES = PROJECT_ROOT / "cookiecutters"
INFRASTRUCTURE_TEMPLATE = TEMPLATES / "infrastructure"
LAMBDA_TEMPLATE = TEMPLATES / "lambda"
