#!/usr/bin/env python3
"""The sandbox: generate the fleet, deploy it into a local AWS emulator, check it (see --help)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance.sandbox.cli import main

if __name__ == "__main__":
    sys.exit(main())
