"""Week 19: Hugging Face pipelines against the week's own decode loops.

SmolLM2 from its registry folder through `pipeline("text-generation")`, greedy, must give the
same token ids as `greedy_loop` and the same text as the chat's KV-cache loop. T5's text2text
path runs on a tiny random T5 saved by the test (no registry ships a T5 checkpoint).
"""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from shared import llm
from shared.registry import DatasetError, fetch
from week19_genai.projects import hf_pipelines


@pytest.fixture(scope="module")
def smollm2():
    return llm.load_chat_model(fetch(llm.REGISTRY_NAME), "cpu")


def test_text_generation_pipeline_equals_the_weeks_greedy_loop_token_for_token(smollm2):
    model, tokenizer = smollm2
    generator = hf_pipelines.text_generator(model, tokenizer)
    stops = llm.stop_token_ids(model, tokenizer)
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    prompt, piped = hf_pipelines.pipeline_greedy(generator, messages, 24, stops)
    assert prompt == llm.prompt_ids(tokenizer, messages)  # the same chat template
    own = hf_pipelines.greedy_loop(model, prompt, 24, stops)
    assert len(piped) > 3
    assert piped == own
    assert "Paris" in tokenizer.decode(piped)
    chat = llm.reply(model, tokenizer, messages, max_new_tokens=24, temperature=0)
    assert tokenizer.decode(piped, skip_special_tokens=True) == chat
    # a different prompt gives different ids: the comparison is not vacuous
    other = [{"role": "user", "content": "Name a large ocean."}]
    assert hf_pipelines.greedy_loop(model, llm.prompt_ids(tokenizer, other), 8, stops) != own[:8]


@pytest.fixture(scope="module")
def tiny_t5_folder(tmp_path_factory):
    """A folder in Hugging Face's layout: a random 2-layer T5 with GPT-2's real tokenizer files."""
    from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration

    tokenizer_files = tmp_path_factory.mktemp("gpt2-tokenizer")
    shutil.copy(fetch("gpt2_encoder_json"), tokenizer_files / "vocab.json")
    shutil.copy(fetch("gpt2_vocab_bpe"), tokenizer_files / "merges.txt")
    (tokenizer_files / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "GPT2Tokenizer", "pad_token": "<|endoftext|>"})
    )
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_files), local_files_only=True)
    folder = tmp_path_factory.mktemp("tiny-t5")
    tokenizer.save_pretrained(folder)
    eos = tokenizer.eos_token_id
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=32,
        d_ff=64,
        d_kv=16,
        num_layers=2,
        num_heads=2,
        pad_token_id=eos,
        eos_token_id=eos,
        decoder_start_token_id=eos,
    )
    torch.manual_seed(0)
    T5ForConditionalGeneration(config).save_pretrained(folder)
    return folder


def test_t5_summarize_equals_the_hand_written_encoder_decoder_loop(tiny_t5_folder):
    model, tokenizer = hf_pipelines.load_seq2seq(tiny_t5_folder)
    assert type(model).__name__ == "T5ForConditionalGeneration"
    text = "The lighthouse keeper found a bottle on the rocks. Inside was a map of the bay."
    ids = hf_pipelines.summarize(model, tokenizer, text, 12)
    assert 0 < len(ids) <= 12
    assert ids == hf_pipelines.seq2seq_greedy_loop(model, tokenizer, text, 12)
    assert hf_pipelines.summarize(model, tokenizer, "A different text.", 12) != ids
    with pytest.raises(ValueError, match="empty"):
        hf_pipelines.summarize(model, tokenizer, "  ", 12)


def test_the_removed_text2text_pipelines_say_what_replaces_them(tiny_t5_folder):
    from transformers import pipeline

    model, tokenizer = hf_pipelines.load_seq2seq(tiny_t5_folder)
    for task in ("summarization", "text2text-generation"):
        with pytest.raises(KeyError, match="has been removed from transformers"):
            pipeline(task, model=model, tokenizer=tokenizer)


def test_a_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match="no pretrained model folder"):
        hf_pipelines.load_seq2seq(tmp_path / "t5-small")
