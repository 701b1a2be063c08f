#!/usr/bin/env python3
"""Render the eight BBWS repositories from infra/platform.yaml (see --help)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance.generate.cli import main

if __name__ == "__main__":
    sys.exit(main())
