"""Server-sent events: the text/event-stream format a streamed answer travels in.

An event is a few `field: value` lines ended by a blank line; here every event has a name
(`event:`) and one line of JSON (`data:`). The service sends `delta` events as the model
writes, then one `done` event with the stored message (or `error`); the clients read them back
with `read_events`, from any iterator of lines (httpx's `iter_lines`, a test's list).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

MEDIA_TYPE = "text/event-stream"


def event(name: str, data: dict) -> str:
    """One event: its name and its data as a single line of JSON, ended by a blank line."""
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def read_events(lines: Iterable[str]) -> Iterator[tuple[str, dict]]:
    """Yield (name, data) per event; an event without a name is a "message" (the SSE default)."""
    name, data = "message", []
    for line in lines:
        if not line:
            if data:
                yield name, json.loads("\n".join(data))
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[len("event:") :].strip()
        elif line.startswith("data:"):
            data.append(line[len("data:") :].strip())
    if data:
        yield name, json.loads("\n".join(data))
