"""JSON read defensively: a bounded size and nesting, one line (`ValueError`) for anything else.

Python's `json` recurses once per nested array or object, so a few hundred kilobytes of `[[[[...`
end in a `RecursionError` (a traceback, not a message); a file of any size is read whole. Every
reader of a JSON file the user hands over (a repository's `.cruft.json`, a suite report given to
`drift-alert` or `sarif`) goes through `loads`, so each refuses the same things with the same words.
It imports nothing of the project.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BYTES = 5 * 1024 * 1024


def loads(text: str, limit: int = MAX_BYTES) -> Any:
    """The JSON value of `text`, or ValueError saying what is wrong ("expected ..., found ...")."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > limit:
        raise ValueError(f"expected at most {limit} bytes of JSON, found {size}")
    try:
        return json.loads(text)
    except RecursionError:  # the C decoder's own bound on nesting, reached at once
        raise ValueError("expected JSON, found arrays or objects nested too deeply") from None
    except ValueError as error:
        raise ValueError(f"expected JSON, found {error}") from None
