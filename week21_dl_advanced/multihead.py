"""Scaled dot-product and multi-head attention written from scratch, in plain tensor algebra.

Scaled dot-product attention (Vaswani et al. 2017): every query scores every key by their dot
product over sqrt(d), a softmax turns a query's scores into weights, and the output is the
weighted mean of the values. Multi-head attention runs `heads` of these side by side on learned
projections of width dim / heads and mixes the results with one more projection. Tests hold both
to `F.scaled_dot_product_attention` and `nn.MultiheadAttention` to 1e-6 in float64.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    is_causal: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return softmax(q k^T / sqrt(d)) v and the weights, for (..., T, d) queries and keys.

    `mask` is boolean (True = may attend, PyTorch's SDPA convention) and broadcasts to
    (..., T_q, T_k); `is_causal` lets query i see keys 0..i only (a decoder's mask).
    """
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"queries have width {q.shape[-1]} but keys {k.shape[-1]}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"{k.shape[-2]} keys but {v.shape[-2]} values")
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if is_causal:
        t_q, t_k = scores.shape[-2:]
        causal = torch.ones(t_q, t_k, dtype=torch.bool, device=q.device).tril()
        mask = causal if mask is None else mask & causal
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


class MultiHeadAttention(nn.Module):
    """`heads` attentions on learned projections of width dim // heads, concatenated and mixed."""

    def __init__(self, dim: int, heads: int, bias: bool = True) -> None:
        super().__init__()
        if dim % heads:
            raise ValueError(f"{heads} heads do not divide the width {dim}")
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim, bias=bias)
        self.k_proj = nn.Linear(dim, dim, bias=bias)
        self.v_proj = nn.Linear(dim, dim, bias=bias)
        self.out_proj = nn.Linear(dim, dim, bias=bias)

    def split(self, x: torch.Tensor) -> torch.Tensor:
        """(N, T, dim) -> (N, heads, T, dim // heads): each head sees its own slice."""
        n, t, d = x.shape
        return x.view(n, t, self.heads, d // self.heads).transpose(1, 2)

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None = None,
        is_causal: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the attended (N, T, dim) sequence and the weights (N, heads, T_q, T_k)."""
        q, k, v = (
            self.split(p(x))
            for p, x in ((self.q_proj, query), (self.k_proj, key), (self.v_proj, value))
        )
        out, weights = scaled_dot_product_attention(q, k, v, mask, is_causal)
        n, _, t, _ = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(n, t, -1)), weights

    @classmethod
    def from_torch(cls, mha: nn.MultiheadAttention) -> MultiHeadAttention:
        """Return a copy of a batch-first nn.MultiheadAttention's weights in this layout."""
        if not mha.batch_first or not mha._qkv_same_embed_dim:
            raise ValueError("copy a batch_first nn.MultiheadAttention with kdim = vdim = dim")
        ours = cls(mha.embed_dim, mha.num_heads, bias=mha.in_proj_bias is not None)
        ours = ours.to(mha.in_proj_weight.dtype)
        with torch.no_grad():
            for i, proj in enumerate((ours.q_proj, ours.k_proj, ours.v_proj)):
                rows = slice(i * mha.embed_dim, (i + 1) * mha.embed_dim)
                proj.weight.copy_(mha.in_proj_weight[rows])
                if proj.bias is not None:
                    proj.bias.copy_(mha.in_proj_bias[rows])
            ours.out_proj.load_state_dict(mha.out_proj.state_dict())
        return ours
