"""Trim, add the shared per-env files, record the answers, make the first commit."""

import signal

# First, before any import a Ctrl-C could interrupt: the hook stops quietly, whoever runs it says so once.
signal.signal(signal.SIGINT, signal.SIG_DFL)

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

CONTEXT = json.loads(r"""{{ cookiecutter | tojson }}""")
sys.path.insert(0, str(Path(r"""{{ cookiecutter._repo_dir }}""").resolve().parents[1]))
try:
    from conformance.generate.hooks import post_generate
except ImportError as error:
    sys.exit(f"error: the BBWS project is not importable ({error}); run `pip install -e .` in its checkout")
sys.exit(post_generate(CONTEXT, Path.cwd()))
