"""A Vision Transformer (Dosovitskiy et al. 2021) built on the from-scratch attention.

An image is cut into non-overlapping patches; each patch is flattened and projected to a
`dim`-vector (the patch embedding), a learned class token is put in front, learned position
embeddings are added (attention itself has no notion of where a patch was), and pre-norm
transformer blocks mix the tokens. The class token's final state is the image's summary, which
one linear layer maps to class logits.
"""

from __future__ import annotations

import torch
from torch import nn

from week21_dl_advanced.multihead import MultiHeadAttention


class PatchEmbedding(nn.Module):
    """Cut (N, C, H, W) images into `patch` x `patch` squares and project each to `dim`.

    A convolution whose kernel and stride are both the patch size is exactly a linear layer
    applied to every flattened patch, written the fast way.
    """

    def __init__(self, channels: int, image_size: int, patch: int, dim: int) -> None:
        super().__init__()
        if image_size % patch:
            raise ValueError(f"patch size {patch} does not divide the image size {image_size}")
        self.patch = patch
        self.n_patches = (image_size // patch) ** 2
        self.proj = nn.Conv2d(channels, dim, kernel_size=patch, stride=patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the patch tokens (N, n_patches, dim), row by row."""
        return self.proj(x).flatten(2).transpose(1, 2)


class EncoderBlock(nn.Module):
    """Pre-norm transformer block: x + attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, dim: int, heads: int, mlp_dim: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = MultiHeadAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, mlp_dim),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(mlp_dim, dim),
            nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the block's output and its attention weights (N, heads, T, T)."""
        h = self.norm1(x)
        attended, weights = self.attn(h, h, h)
        x = x + attended
        return x + self.mlp(self.norm2(x)), weights


class VisionTransformer(nn.Module):
    """Patch embedding, class token, position embeddings, `depth` blocks, a linear head."""

    def __init__(
        self,
        image_size: int = 28,
        patch: int = 4,
        channels: int = 1,
        n_classes: int = 10,
        dim: int = 64,
        depth: int = 4,
        heads: int = 4,
        mlp_dim: int = 128,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.embed = PatchEmbedding(channels, image_size, patch, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.embed.n_patches + 1, dim))
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.blocks = nn.ModuleList(
            EncoderBlock(dim, heads, mlp_dim, dropout) for _ in range(depth)
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        """Return the input sequence: class token, then patch tokens, plus position embeddings."""
        patches = self.embed(x)
        cls = self.cls_token.expand(len(patches), -1, -1)
        return torch.cat([cls, patches], dim=1) + self.pos_embed

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return class logits (N, n_classes) for images (N, C, H, W)."""
        h = self.tokens(x)
        for block in self.blocks:
            h, _ = block(h)
        return self.head(self.norm(h[:, 0]))

    @torch.no_grad()
    def attention_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Return every block's attention weights (N, heads, T, T); token 0 is the class token."""
        h, maps = self.tokens(x), []
        for block in self.blocks:
            h, weights = block(h)
            maps.append(weights)
        return maps


def count_parameters(model: nn.Module) -> int:
    """Return the number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
