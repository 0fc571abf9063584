"""Week 19: the Hugging Face paths on a tiny random GPT-2 saved by the test (no hub, offline).

GPT-2's weights are in no registry; its loading path is `from_pretrained(local folder)`
through shared.hub, tested here on a 2-layer random GPT2LMHeadModel with GPT-2's real
tokenizer files (from the registry). The same model drives the generation, scoring and LoRA
code that the full run applies to SmolLM2.
"""

from __future__ import annotations

import shutil

import pytest
import torch

from shared.hub import load_pretrained
from shared.registry import fetch
from week19_genai.generation import chat_prefix, generate_texts, pad_id
from week19_genai.lm_scoring import distinct_n, encode_pairs, labelled_batch, perplexity
from week19_genai.projects.lora_sonnets import (
    add_lora,
    load_adapter,
    max_logit_difference,
    save_adapter,
)

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture(scope="module")
def gpt2_folder(tmp_path_factory):
    """A folder in Hugging Face's layout: a tiny random GPT-2 plus GPT-2's tokenizer files."""
    from transformers import GPT2Config, GPT2LMHeadModel

    folder = tmp_path_factory.mktemp("tiny-gpt2")
    torch.manual_seed(0)
    config = GPT2Config(n_layer=2, n_head=2, n_embd=32, n_positions=64)
    GPT2LMHeadModel(config).save_pretrained(folder)
    shutil.copy(fetch("gpt2_encoder_json"), folder / "vocab.json")
    shutil.copy(fetch("gpt2_vocab_bpe"), folder / "merges.txt")
    return folder


@pytest.fixture(scope="module")
def model_and_tokenizer(gpt2_folder):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = load_pretrained(AutoModelForCausalLM, gpt2_folder).eval()
    tokenizer = load_pretrained(AutoTokenizer, gpt2_folder)
    tokenizer.chat_template = CHATML
    return model, tokenizer


def test_from_pretrained_local_folder_loads_gpt2(model_and_tokenizer, gpt2_folder):
    model, tokenizer = model_and_tokenizer
    assert type(model).__name__ == "GPT2LMHeadModel" and model.config.n_layer == 2
    assert tokenizer("Hello world")["input_ids"] == [15496, 995]
    with pytest.raises(Exception, match="no pretrained model folder"):
        from transformers import AutoModelForCausalLM

        load_pretrained(AutoModelForCausalLM, gpt2_folder / "missing")


def test_every_decoding_strategy_runs_and_is_scored(model_and_tokenizer):
    from week19_genai.projects.decoding import STRATEGIES

    model, tokenizer = model_and_tokenizer
    prefixes = [chat_prefix(tokenizer, "Tell a story."), chat_prefix(tokenizer, "A poem, please.")]
    prompt_ids = [tokenizer(p)["input_ids"] for p in prefixes]
    for options in STRATEGIES.values():
        torch.manual_seed(0)
        texts, ids = generate_texts(model, tokenizer, prefixes, 8, **options)
        assert len(texts) == 2 and all(0 < len(i) <= 8 for i in ids)
        ppl = perplexity(model, list(zip(prompt_ids, ids, strict=True)), pad_id(tokenizer))
        assert 1.0 < ppl < 1e6
    greedy = [generate_texts(model, tokenizer, prefixes, 8, do_sample=False)[1] for _ in range(2)]
    assert greedy[0] == greedy[1]


def test_bad_prompts_get_clear_errors(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    with pytest.raises(ValueError, match="empty"):
        chat_prefix(tokenizer, "   ")
    with pytest.raises(ValueError, match="non-empty"):
        generate_texts(model, tokenizer, [""], 4)
    with pytest.raises(ValueError, match="exceeds the model's context of 64"):
        generate_texts(model, tokenizer, ["word " * 80], 4)


def test_perplexity_scores_only_the_text_after_the_prompt(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    pairs = encode_pairs(tokenizer, ["A prompt", "Another, longer prompt here"], ["x y", "x y"])
    batch = labelled_batch(pairs, pad_id(tokenizer))
    assert (batch["labels"] != -100).sum() == sum(len(t) for _, t in pairs)
    assert perplexity(model, pairs[:1], pad_id(tokenizer)) > 1.0
    with pytest.raises(ValueError, match="nothing to score"):
        encode_pairs(tokenizer, ["p"], [""])


def test_distinct_2():
    assert distinct_n(["the cat sat on the mat"], 2) == 1.0
    assert distinct_n(["go go go go go"], 2) == 0.25
    assert distinct_n(["one"], 2) == 0.0


def test_lora_adapter_saved_and_reloaded_gives_identical_outputs(model_and_tokenizer, tmp_path):
    model, tokenizer = model_and_tokenizer
    torch.manual_seed(0)
    lora = add_lora(model, rank=4, target_modules=("c_attn", "c_proj"))
    trainable = [p for p in lora.parameters() if p.requires_grad]
    assert 0 < sum(p.numel() for p in trainable) < 0.1 * sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(trainable, lr=1e-2)
    pairs = encode_pairs(
        tokenizer, ["Sonnet:\n"] * 2, ["Shall I compare thee", "to a summer's day"]
    )
    batch = labelled_batch(pairs, pad_id(tokenizer))
    for _ in range(3):  # train a little so B is no longer zero and the adapter changes outputs
        loss = lora(**batch).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    lora.eval()
    folder = save_adapter(lora, tmp_path / "adapter")
    assert (folder / "adapter_config.json").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left
    reloaded = load_adapter(model, folder)
    assert max_logit_difference(lora, reloaded, batch) == 0.0
    assert max_logit_difference(lora, model, batch) > 1e-4  # the adapter does change the model
    prefix = ["Sonnet:\n"]
    assert generate_texts(lora, tokenizer, prefix, 6, do_sample=False) == generate_texts(
        reloaded, tokenizer, prefix, 6, do_sample=False
    )
    with pytest.raises(FileNotFoundError, match=r"adapter_config\.json"):
        load_adapter(model, tmp_path / "nothing")


def test_sampled_candidates_carry_the_models_own_log_probabilities(model_and_tokenizer):
    from week19_genai.generation import sample_with_logprobs
    from week19_genai.projects.haiku import line_score

    model, tokenizer = model_and_tokenizer
    prefix = chat_prefix(tokenizer, "A haiku, please.")
    torch.manual_seed(0)
    rows = sample_with_logprobs(model, tokenizer, prefix, 3, 6, do_sample=True, temperature=2.0)
    assert len(rows) == 3
    ids, logprobs = rows[0]
    assert len(ids) == len(logprobs) > 0 and all(lp <= 0 for lp in logprobs)
    # the same tokens scored by a plain forward pass: raw-logit log-probabilities, not warped ones
    pairs = [(tokenizer(prefix)["input_ids"], ids)]
    batch = labelled_batch(pairs, pad_id(tokenizer))
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"]).logits[0, -len(ids) - 1 : -1]
    expected = logits.log_softmax(-1).gather(-1, torch.tensor(ids)[:, None])[:, 0]
    assert torch.allclose(torch.tensor(logprobs), expected, atol=1e-4)
    words = tokenizer("the old pond")["input_ids"]  # the | Ġold | Ġpond
    assert line_score(tokenizer, words, [-1.0, -2.0, -3.0], "the old") == pytest.approx(-1.5)
