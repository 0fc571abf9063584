"""Week 21: scaled dot-product and multi-head attention from scratch against PyTorch's; fast run."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from week21_dl_advanced.multihead import MultiHeadAttention, scaled_dot_product_attention
from week21_dl_advanced.projects.attention import check_against_torch, random_mask

TOL = 1e-6


def _qkv(t_q: int = 6, t_k: int = 9, d: int = 8, seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(2, 3, t_q, d, generator=g, dtype=torch.float64)
    k, v = (torch.randn(2, 3, t_k, d, generator=g, dtype=torch.float64) for _ in range(2))
    return q, k, v


@pytest.mark.parametrize("case", ["plain", "mask", "causal", "mask_and_causal"])
def test_scaled_dot_product_attention_matches_torch(case: str) -> None:
    q, k, v = _qkv(t_q=7, t_k=7)
    mask = random_mask((2, 3, 7, 7), torch.Generator().manual_seed(1)) if "mask" in case else None
    causal = "causal" in case
    ours, weights = scaled_dot_product_attention(q, k, v, mask, causal)
    if mask is not None and causal:
        mask = mask & torch.ones(7, 7, dtype=torch.bool).tril()
        causal = False  # torch takes one or the other: hand it the combined mask
    theirs = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
    torch.testing.assert_close(ours, theirs, atol=TOL, rtol=0)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 7, dtype=torch.float64))
    if case == "causal":
        assert (weights.triu(1) == 0).all(), "a query attended to a later key"


def test_masked_keys_get_no_weight_and_queries_and_keys_may_differ_in_length() -> None:
    q, k, v = _qkv(t_q=4, t_k=9)
    mask = torch.ones(4, 9, dtype=torch.bool)
    mask[:, 5:] = False
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    assert out.shape == (2, 3, 4, 8) and weights.shape == (2, 3, 4, 9)
    assert (weights[..., 5:] == 0).all()
    short, _ = scaled_dot_product_attention(q, k[..., :5, :], v[..., :5, :])
    torch.testing.assert_close(out, short, atol=1e-12, rtol=0)


def test_one_key_gets_all_the_weight_when_its_score_dominates() -> None:
    q = torch.tensor([[[10.0, 0.0]]], dtype=torch.float64)
    k = torch.tensor([[[10.0, 0.0], [0.0, 10.0]]], dtype=torch.float64)
    v = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]], dtype=torch.float64)
    out, weights = scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(weights, torch.tensor([[[1.0, 0.0]]], dtype=torch.float64))
    torch.testing.assert_close(out, v[:, :1], atol=1e-12, rtol=0)


@pytest.mark.parametrize("cross", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_multi_head_attention_matches_nn_multihead_attention(cross: bool, masked: bool) -> None:
    torch.manual_seed(0)
    reference = nn.MultiheadAttention(32, 4, batch_first=True, dtype=torch.float64)
    ours = MultiHeadAttention.from_torch(reference)
    g = torch.Generator().manual_seed(2)
    x = torch.randn(3, 5, 32, generator=g, dtype=torch.float64, requires_grad=True)
    kv = torch.randn(3, 8, 32, generator=g, dtype=torch.float64) if cross else x
    mask = random_mask((5, kv.shape[1]), g) if masked else None
    out, weights = ours(x, kv, kv, mask=mask)
    ref_out, ref_weights = reference(
        x, kv, kv, attn_mask=None if mask is None else ~mask, average_attn_weights=False
    )
    torch.testing.assert_close(out, ref_out, atol=TOL, rtol=0)
    torch.testing.assert_close(weights, ref_weights, atol=TOL, rtol=0)
    (grad_ours,) = torch.autograd.grad(out.square().sum(), x)
    (grad_ref,) = torch.autograd.grad(ref_out.square().sum(), x)
    torch.testing.assert_close(grad_ours, grad_ref, atol=TOL, rtol=0)


def test_attention_rejects_shapes_that_do_not_fit() -> None:
    with pytest.raises(ValueError, match="do not divide the width"):
        MultiHeadAttention(30, 4)
    q, k, v = _qkv()
    with pytest.raises(ValueError, match="queries have width 8 but keys 4"):
        scaled_dot_product_attention(q, k[..., :4], v)
    with pytest.raises(ValueError, match="9 keys but 3 values"):
        scaled_dot_product_attention(q, k, v[..., :3, :])
    with pytest.raises(ValueError, match="batch_first"):
        MultiHeadAttention.from_torch(nn.MultiheadAttention(8, 2))


def test_the_projects_check_finds_no_difference_and_would_find_one() -> None:
    diffs = check_against_torch(seed=3)
    assert diffs["sdpa_max_abs_diff"] <= TOL and diffs["mha_max_abs_diff"] <= TOL
    q, k, v = _qkv(t_q=7, t_k=7)
    unscaled = torch.softmax(q @ k.transpose(-2, -1), -1) @ v  # forgot the 1/sqrt(d)
    assert (unscaled - scaled_dot_product_attention(q, k, v)[0]).abs().max() > 1e-2


def test_fast_run_trains_the_vit_and_draws_its_attention(fast_run) -> None:
    doc = fast_run("week21_dl_advanced", "--project", "attention")
    project = doc["projects"]["attention"]
    metrics = project["metrics"]
    assert metrics["sdpa_max_abs_diff"] <= TOL and metrics["mha_max_abs_diff"] <= TOL
    assert metrics["vit_test_accuracy"] > 0.2  # 10 classes: chance is 0.1
    assert metrics["vit_parameters"] > 10_000
    assert {d["name"] for d in project["datasets"]} >= {"fashion_mnist_test_images"}
