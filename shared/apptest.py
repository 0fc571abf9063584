"""Drive a Streamlit page in-process with Streamlit's AppTest, with its environment set.

Weeks 22 and 23 check their dashboards this way in their runs; Streamlit is imported only when
a page is loaded, so `import shared` stays free of it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the duration (the pages read where their data is)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def scan_components_once() -> None:
    """Let Streamlit look for custom components in the installed packages once per process.

    Every AppTest run re-reads the metadata of every installed distribution (0.3 s of CPU here);
    they do not change while a process runs, so the first scan's answer is kept.
    """
    try:
        from streamlit.components.v2 import manifest_scanner as scanner
    except ImportError:  # a Streamlit without the v2 component scanner: nothing to keep
        return
    if not hasattr(scanner.scan_component_manifests, "cache_info"):
        scanner.scan_component_manifests = functools.cache(scanner.scan_component_manifests)


def load_page(path: str, **env: str):
    """Run the page once under `env`; RuntimeError with its message if it raised."""
    from streamlit.testing.v1 import AppTest

    scan_components_once()

    with environment(**env):
        app = AppTest.from_file(path, default_timeout=300).run()
    if app.exception:
        raise RuntimeError(f"{path} raised: {app.exception[0].message}")
    return app
