"""Week 19: the GPT from scratch: causal masking, weight tying, overfitting, sampling, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from week19_genai.bigram import BigramLM, best_bigram
from week19_genai.gpt import GPT, GPTConfig
from week19_genai.projects.gpt_shakespeare import SIZES, lr_at, windows
from week19_genai.sampling import filter_logits, sample_next

TINY = GPTConfig(vocab_size=32, block_size=16, n_layer=2, n_head=2, n_embd=32, dropout=0.0)


def test_no_position_attends_to_the_future():
    torch.manual_seed(0)
    model = GPT(TINY).eval()
    x = torch.randint(32, (2, 16))
    changed = x.clone()
    changed[:, 10:] = (changed[:, 10:] + 1) % 32
    with torch.no_grad():
        a, _ = model(x)
        b, _ = model(changed)
    assert torch.allclose(a[:, :10], b[:, :10], atol=1e-6)  # the past does not see the change
    assert not torch.allclose(a[:, 10:], b[:, 10:])  # the present and future do


def test_head_and_embedding_share_one_matrix():
    model = GPT(TINY)
    assert model.head.weight is model.tok_emb.weight
    assert model.num_parameters() == sum(p.numel() for p in model.parameters())


def test_a_tiny_gpt_overfits_a_short_text():
    torch.manual_seed(0)
    text = b"to be or not to be, that is the question. "
    data = torch.tensor(list(text * 4))
    config = GPTConfig(vocab_size=256, block_size=32, n_layer=2, n_head=2, n_embd=64, dropout=0.0)
    model = GPT(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    x, y = windows(data, 32)
    for _ in range(150):
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.1
    prompt = torch.tensor([list(b"to be or")])
    out = model.generate(prompt, 12, temperature=0.0)
    assert bytes(out[0].tolist()) == b"to be or not to be, "


def test_generate_crops_a_long_prompt_and_refuses_an_empty_one():
    model = GPT(TINY)
    long_prompt = torch.randint(32, (1, 40))  # longer than the 16-token context
    out = model.generate(long_prompt, 5, temperature=1.0, top_k=5)
    assert out.shape == (1, 45) and torch.equal(out[:, :40], long_prompt)
    with pytest.raises(ValueError, match="empty"):
        model.generate(torch.zeros((1, 0), dtype=torch.long), 5)
    with pytest.raises(ValueError, match="exceed the context"):
        model(long_prompt)
    with pytest.raises(ValueError, match="top_p"):
        model.generate(long_prompt, 1, top_p=1.5)


def test_sampling_filters():
    logits = torch.tensor([[4.0, 3.0, 2.0, 1.0]])
    assert torch.isinf(filter_logits(logits, top_k=2)[0, 2:]).all()
    probs = torch.softmax(logits, -1)[0]  # 0.64, 0.24, 0.09, 0.03
    kept = ~torch.isinf(filter_logits(logits, top_p=0.8)[0])
    assert kept.tolist() == [True, True, False, False] and probs[:2].sum() >= 0.8
    assert sample_next(logits, temperature=0.0).item() == 0
    generator = torch.Generator().manual_seed(0)
    draws = {sample_next(logits, 1.0, top_k=1, generator=generator).item() for _ in range(20)}
    assert draws == {0}


def test_bigram_matches_counting_by_hand():
    ids = np.array([0, 1, 0, 1, 0, 2])
    model = BigramLM(3, k=1.0).fit(ids)
    # after 0: 1 twice, 2 once; add-1 gives (1, 3, 2) / 6
    assert np.allclose(np.exp(model.log_probs()[0]), [1 / 6, 3 / 6, 2 / 6])
    assert best_bigram(ids, ids, 3, ks=(0.01, 1.0)).k == 0.01  # less smoothing fits seen pairs


def test_learning_rate_warms_up_then_decays_by_steps_or_time():
    settings = SIZES["cpu"][1]
    assert (
        lr_at(0, 0.0, settings)
        < lr_at(settings.warmup, 0.0, settings)
        == pytest.approx(settings.lr)
    )
    assert lr_at(settings.warmup + 1, settings.budget_seconds, settings) == pytest.approx(
        settings.lr / 10
    )
