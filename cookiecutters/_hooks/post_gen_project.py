"""Trim, add the shared per-env files, record the answers, make the first commit."""

import json
import signal
import sys
from pathlib import Path

# Ctrl-C reaches the hook and cookiecutter alike: the hook stops quietly, whoever runs it says so once.
signal.signal(signal.SIGINT, signal.SIG_DFL)

CONTEXT = json.loads(r"""{{ cookiecutter | tojson }}""")
sys.path.insert(0, str(Path(r"""{{ cookiecutter._repo_dir }}""").resolve().parents[1]))
try:
    from conformance.generate.hooks import post_generate
except ImportError as error:
    sys.exit(f"error: the BBWS project is not importable ({error}); run `pip install -e .` in its checkout")
sys.exit(post_generate(CONTEXT, Path.cwd()))
