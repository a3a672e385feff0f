"""A tiny random-weight Hugging Face checkpoint, built locally (nothing is downloaded).

A BERT with 16 hidden units and one layer, a word-piece vocabulary of a few
dozen words written here, and ``save_pretrained`` with safetensors: the
layout any fine-tuned sequence classifier has, in about 100 KB.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

LABELS = ("deny", "confirm", "evade", "unrelated")

WORDS = [
    "the",
    "a",
    "and",
    "to",
    "of",
    "in",
    "on",
    "was",
    "is",
    "it",
    "we",
    "he",
    "she",
    "they",
    "said",
    "says",
    "report",
    "reported",
    "reports",
    "claim",
    "no",
    "not",
    "never",
    "yes",
    "deny",
    "denied",
    "false",
    "true",
    "untrue",
    "fiction",
    "comment",
    "declined",
    "confirm",
    "confirmed",
    "mayor",
    "minister",
    "company",
    "club",
    "deal",
    "meeting",
    "call",
    "phone",
    "sold",
    "depot",
    "bonus",
    "lease",
    "store",
    "talks",
    "council",
    "week",
    "monday",
    "friday",
    "spokesman",
    "statement",
    "weather",
    "library",
]


def write_tiny_checkpoint(
    folder: Path,
    *,
    labels: tuple[str, ...] = LABELS,
    head: bool = True,
    seed: int = 0,
) -> Path:
    """Write a random-weight BertForSequenceClassification checkpoint folder.

    ``labels`` become ``id2label`` in this order; ``head=False`` saves the bare
    encoder (no classification head) under the same config.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizerFast
    from transformers.utils import logging

    logging.disable_progress_bar()
    logging.set_verbosity_error()
    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)
    config = BertConfig(
        vocab_size=len(WORDS) + 5,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        # far above BERT's 0.02: random weights then give clearly different
        # probabilities for different inputs, which the tests compare
        initializer_range=0.5,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
    )
    torch.manual_seed(seed)
    model = (BertForSequenceClassification if head else BertModel)(config)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return folder


def copy_with_config(source: Path, target: Path, **changes) -> Path:
    """A copy of ``source`` whose config.json has ``changes`` (None deletes a key)."""
    shutil.copytree(source, target)
    path = target / "config.json"
    config = json.loads(path.read_text("utf-8"))
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    path.write_text(json.dumps(config), "utf-8")
    return target
