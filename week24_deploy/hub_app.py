"""The course's front page as a Streamlit app: every app, its command, link and live status.

Run it with `python -m week24_deploy serve hub` (or `streamlit run week24_deploy/hub_app.py`).
"""

from __future__ import annotations

import streamlit as st

from shared.apps import APPS


def main() -> None:
    """Draw the page: one row per app, grouped by week, with a link while it runs."""
    st.set_page_config(page_title="ml-roadmap apps", layout="wide")
    st.title("ml-roadmap: every app of the course")
    st.caption(
        "Start an app with its command (each listens on 127.0.0.1 by default), then follow "
        "its link. The status is checked each time this page reloads."
    )
    for week in sorted({app.week for app in APPS}):
        st.subheader(f"Week {week}")
        for app in (a for a in APPS if a.week == week):
            left, right = st.columns([3, 2])
            with left:
                st.markdown(f"**{app.name}** ({app.kind}): {app.what}")
                st.code(app.command, language="bash")
            with right:
                if not app.installed():
                    st.warning(f"{app.package} is not in this checkout yet")
                elif app.running():
                    st.success(f"running: [{app.url}]({app.url})")
                else:
                    st.info(f"not running; after starting it: {app.url}")
    st.divider()
    st.markdown(
        "Docker: `make docker` builds an image per service (`week24_deploy/docker/`); "
        "`docker compose --env-file week24_deploy/docker/postgres.env -f "
        "week24_deploy/docker/compose.yaml up` starts them with PostgreSQL."
    )


main()
