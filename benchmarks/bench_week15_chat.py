"""Week 15's chatbot speed: time to first token and tokens per second of SmolLM2-135M-Instruct.

Two prompts through shared.llm.stream_reply, greedy: a bare question (about 40 prompt tokens)
and the chatbot's retrieval-augmented prompt (the system message, the evidence the course
assistant quotes from the READMEs, and the question). Time to first token is prefill (the whole prompt in one
forward pass) plus one decoding step; tokens per second is the decoding rate after it. Each is
the median of REPEATS runs, which is robust to other processes sharing the CPU. There is no
goal: the numbers say what a learner's laptop feels like. Writes
reports/bench.json["week15_chat"].
"""

from __future__ import annotations

import statistics
import time

import torch

from shared.bench import record
from shared.llm import REGISTRY_NAME, count_tokens, load_chat_model, stream_reply
from shared.registry import fetch
from week15_transformers.assistant import SYSTEM, CourseAssistant, grounded_messages

QUESTION = "Which library runs week 17's hyper-parameter study?"
NEW_TOKENS, REPEATS = 64, 3


def time_reply(model, tokenizer, messages: list[dict[str, str]]) -> tuple[float, float, int]:
    """Return (seconds to the first piece, decoding tokens/s, tokens generated) for one reply."""
    start = time.perf_counter()
    first, pieces = None, []
    for piece in stream_reply(model, tokenizer, messages, max_new_tokens=NEW_TOKENS):
        first = first if first is not None else time.perf_counter() - start
        pieces.append(piece)
    total = time.perf_counter() - start
    tokens = len(tokenizer("".join(pieces), add_special_tokens=False)["input_ids"])
    rate = (tokens - 1) / (total - first) if first is not None and tokens > 1 else 0.0
    return first or total, rate, tokens


def main() -> None:
    """Time both prompts and record the medians."""
    model, tokenizer = load_chat_model(fetch(REGISTRY_NAME), "cpu")
    assistant = CourseAssistant.load(fetch)
    prompts = {
        "bare": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}],
        "rag": grounded_messages(assistant.ground(QUESTION)),
    }
    results = {"model": "SmolLM2-135M-Instruct (GGUF Q4_1 -> float32)", "device": "cpu"}
    results["torch_threads"] = torch.get_num_threads()
    results["max_new_tokens"] = NEW_TOKENS
    time_reply(model, tokenizer, prompts["bare"])  # warm-up
    for name, messages in prompts.items():
        runs = [time_reply(model, tokenizer, messages) for _ in range(REPEATS)]
        results[f"{name}_prompt_tokens"] = count_tokens(tokenizer, messages)
        results[f"{name}_ttft_seconds"] = statistics.median(r[0] for r in runs)
        results[f"{name}_tokens_per_second"] = statistics.median(r[1] for r in runs)
        print(
            f"{name}: {results[f'{name}_prompt_tokens']} prompt tokens, first token after "
            f"{results[f'{name}_ttft_seconds']:.2f} s, "
            f"{results[f'{name}_tokens_per_second']:.1f} tokens/s"
        )
    print(f"results in {record('week15_chat', results)}")


if __name__ == "__main__":
    main()
