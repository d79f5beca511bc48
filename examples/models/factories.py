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


def gpt2_tiny():
    """A GPT-2 of 2 layers, hidden 32, 2 heads, 16 tokens (a test-sized model with tied embeddings)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(n_layer=2, n_embd=32, n_head=2, n_positions=64, vocab_size=128, bos_token_id=0,
                        eos_token_id=0, attn_implementation="sdpa", use_cache=False, resid_pdrop=0.0,
                        embd_pdrop=0.0, attn_pdrop=0.0)
    return GPT2LMHeadModel(config), {"input_ids": torch.randint(0, 128, (1, 16))}


def bert_tiny():
    """A BERT of 2 layers, hidden 32, 2 heads, FFN 64, 16 tokens."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(num_hidden_layers=2, hidden_size=32, num_attention_heads=2, intermediate_size=64,
                        vocab_size=128, max_position_embeddings=64, pad_token_id=0, attn_implementation="sdpa",
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    return BertModel(config, add_pooling_layer=False), {"input_ids": torch.randint(0, 128, (1, 16)),
                                                         "attention_mask": torch.ones(1, 16, dtype=torch.long)}


class SkipCNN(torch.nn.Module):
    """A small CNN whose skip connections cross several blocks: the stem's output feeds blocks 3 and the
    head, block 1's output feeds the head."""

    def __init__(self, width: int = 8, classes: int = 10):
        super().__init__()
        conv = lambda: torch.nn.Sequential(torch.nn.Conv2d(width, width, 3, padding=1), torch.nn.ReLU())  # noqa: E731
        self.stem = torch.nn.Conv2d(3, width, 3, padding=1)
        self.block1, self.block2, self.block3 = conv(), conv(), conv()
        self.head = torch.nn.Linear(width, classes)

    def forward(self, x):
        s = self.stem(x)
        h1 = self.block1(s)
        h3 = self.block3(self.block2(h1) + s)
        return self.head((h3 + s + h1).mean(dim=(2, 3)))


def skip_cnn():
    """``SkipCNN`` of width 8 on a 16x16 image."""
    torch.manual_seed(0)
    return SkipCNN(), (torch.randn(1, 3, 16, 16),)
