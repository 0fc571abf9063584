"""The chat page (Streamlit): talk to the chatbot service, resume any stored conversation.

The page holds no model: it is a client of the chat API ($WEEK23_CHAT_URL, default port 8030,
with $ML_ROADMAP_API_KEY), so what it shows is what the database holds, and a conversation
left yesterday is one click (or its ?conversation= link) away. Answers are written out as the
service streams them, each with its source under it: the README text it rests on, its path and
heading, or a note that the course notes do not cover the question. Run with
`python -m week23_genai_capstone serve chat-ui`.
"""

import os

import httpx
import streamlit as st

from shared.settings import API_KEY_ENV
from week23_genai_capstone.chat.client import (
    START_API,
    ChatClient,
    ChatError,
    deltas,
    service_url,
)


@st.cache_resource
def client(url: str, key: str) -> ChatClient:
    """One HTTP client per server process (and per service and key)."""
    return ChatClient(url, key)


def show_sources(message: dict) -> None:
    """Under an answer: the README text it rests on and where, or that the notes lack it."""
    evidence = message.get("evidence")
    if message.get("abstained"):
        st.caption("Not in the course notes: no README passage is close to this question.")
    elif evidence:
        st.caption(f"Source: `{evidence['source']}` › {evidence['heading']}")
        st.markdown(f"> {evidence['text']}")


def pick_conversation(bot: ChatClient) -> int:
    """The sidebar: start a conversation or pick a stored one; return the chosen id."""
    stored = bot.conversations()
    if st.sidebar.button("New conversation") or not stored:
        chosen = bot.start(f"Chat {len(stored) + 1}")["id"]
        st.query_params["conversation"] = str(chosen)
        stored = bot.conversations()
    ids = [c["id"] for c in stored]
    wanted = int(st.query_params.get("conversation", ids[-1]))
    index = ids.index(wanted) if wanted in ids else len(ids) - 1
    titles = {c["id"]: f"#{c['id']} {c['title']}" for c in stored}
    chosen = st.sidebar.radio("Conversations", ids, index=index, format_func=titles.get)
    st.query_params["conversation"] = str(chosen)
    return chosen


st.set_page_config(page_title="Week 23 chatbot", page_icon="💬")
st.title("Week 23 chatbot")
url, key = service_url(), os.environ.get(API_KEY_ENV, "")
if not key:
    st.error(f"Set {API_KEY_ENV} to the chat service's key, then reload.")
    st.stop()
bot = client(url, key)
try:
    model = bot.health()["model"]
    conversation_id = pick_conversation(bot)
except (httpx.HTTPError, ChatError) as exc:
    st.error(f"The chatbot service at {url} did not answer ({exc}). Start it: `{START_API}`.")
    st.stop()
st.caption(f"{model}, answering from conversation #{conversation_id} as stored in SQL ({url})")
for message in bot.conversation(conversation_id)["messages"]:
    with st.chat_message(message["role"]):
        st.markdown(message["content"])
        show_sources(message)
question = st.chat_input("Ask about the course")
if question:
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        stored: dict = {}
        try:
            st.write_stream(deltas(bot.stream(conversation_id, question), stored))
        except ChatError as exc:
            st.error(str(exc))
        show_sources(stored)
