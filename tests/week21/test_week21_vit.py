"""Week 21: the Vision Transformer's parts: patches, class token, position embeddings, rollout."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from week21_dl_advanced.projects.attention import attention_rollout
from week21_dl_advanced.vit import PatchEmbedding, VisionTransformer, count_parameters


def test_patch_embedding_is_a_linear_layer_on_flattened_patches() -> None:
    torch.manual_seed(0)
    embed = PatchEmbedding(channels=3, image_size=12, patch=4, dim=5)
    x = torch.randn(2, 3, 12, 12)
    patches = F.unfold(x, kernel_size=4, stride=4).transpose(1, 2)  # (N, 9, 3*4*4), row by row
    expected = patches @ embed.proj.weight.reshape(5, -1).T + embed.proj.bias
    torch.testing.assert_close(embed(x), expected, atol=1e-5, rtol=0)
    assert embed.n_patches == 9
    with pytest.raises(ValueError, match="does not divide the image size"):
        PatchEmbedding(1, 28, 5, 8)


def test_vit_gives_logits_and_one_attention_map_per_block() -> None:
    model = VisionTransformer(image_size=28, patch=7, dim=16, depth=3, heads=2, mlp_dim=32)
    x = torch.randn(4, 1, 28, 28)
    assert model(x).shape == (4, 10)
    assert model.tokens(x).shape == (4, 17, 16)  # class token + 4x4 patches
    maps = model.attention_maps(x)
    assert len(maps) == 3 and maps[0].shape == (4, 2, 17, 17)
    torch.testing.assert_close(maps[-1].sum(-1), torch.ones(4, 2, 17))
    assert count_parameters(model) == sum(p.numel() for p in model.parameters())


def test_without_position_embeddings_the_vit_cannot_tell_where_a_patch_was() -> None:
    torch.manual_seed(0)
    model = VisionTransformer(image_size=8, patch=4, dim=16, depth=2, heads=2, mlp_dim=32).eval()
    x = torch.randn(1, 1, 8, 8)
    swapped = x.clone()  # swap the top-left and bottom-right 4x4 patches
    swapped[..., :4, :4], swapped[..., 4:, 4:] = x[..., 4:, 4:], x[..., :4, :4]
    with torch.no_grad():
        assert not torch.allclose(model(x), model(swapped), atol=1e-4)
        model.pos_embed.zero_()
        torch.testing.assert_close(model(x), model(swapped), atol=1e-5, rtol=0)


def test_attention_rollout_of_identity_maps_keeps_the_class_token_on_itself() -> None:
    eye = torch.eye(5).expand(2, 3, 5, 5)
    torch.testing.assert_close(attention_rollout([eye, eye]), torch.eye(5)[0].expand(2, 5))
    uniform = torch.full((1, 2, 4, 4), 0.25)
    rolled = attention_rollout([uniform])
    torch.testing.assert_close(rolled, torch.tensor([[0.625, 0.125, 0.125, 0.125]]))
    torch.testing.assert_close(attention_rollout([uniform] * 3).sum(-1), torch.ones(1))
