"""Model factories for ``pipesplit import torch``: real model definitions from the ``transformers`` library,
built from their published configurations with random weights (nothing is downloaded).

Each function returns ``(model, example inputs)``. ``PIPESPLIT_SEQ_LEN``, ``PIPESPLIT_BATCH`` and
``PIPESPLIT_IMAGE`` change the example inputs' sizes (default 128 tokens, batch 1, 224 pixels).
"""

from __future__ import annotations

import os

import torch


def _sizes() -> tuple[int, int, int]:
    env = os.environ
    return (int(env.get("PIPESPLIT_BATCH", 1)), int(env.get("PIPESPLIT_SEQ_LEN", 128)),
            int(env.get("PIPESPLIT_IMAGE", 224)))


def _tokens(batch: int, seq: int) -> dict:
    return {"input_ids": torch.zeros(batch, seq, dtype=torch.long),
            "attention_mask": torch.ones(batch, seq, dtype=torch.long)}


def bert_large():
    """BERT-large (24 layers, hidden 1024, 16 heads, FFN 4096; 335M parameters)."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096,
                        attn_implementation="sdpa")
    batch, seq, _ = _sizes()
    return BertModel(config, add_pooling_layer=False), _tokens(batch, seq)


def bert_base():
    """BERT-base (12 layers, hidden 768, 12 heads, FFN 3072; 110M parameters)."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    batch, seq, _ = _sizes()
    return BertModel(BertConfig(attn_implementation="sdpa"), add_pooling_layer=False), _tokens(batch, seq)


def gpt2():
    """GPT-2 (the 124M configuration: 12 layers, hidden 768, 12 heads, context 1024) with its LM head."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(attn_implementation="sdpa", use_cache=False)
    batch, seq, _ = _sizes()
    return GPT2LMHeadModel(config), _tokens(batch, seq)


def resnet50():
    """ResNet-50 (bottleneck blocks 3-4-6-3, widths 256-2048) with its 1000-class head."""
    from transformers import ResNetConfig, ResNetForImageClassification

    torch.manual_seed(0)
    config = ResNetConfig(num_labels=1000)
    batch, _, image = _sizes()
    return ResNetForImageClassification(config), {"pixel_values": torch.randn(batch, 3, image, image)}
