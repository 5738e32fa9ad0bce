"""A tiny checkpoint in detoxify's format, built on the spot: no weights are downloaded.

detoxify's ``load_checkpoint`` reads ``torch.load(path)``: a dict with ``config.arch.args``
(``model_type``, ``model_name``, ``tokenizer_name``, ``num_classes``), ``config.dataset.args.
classes`` and ``state_dict``. ``model_type`` is passed to ``from_pretrained`` for the config
and the tokenizer, so here it is the directory holding the tiny BERT config and vocabulary;
the same directory serves as ``huggingface_config_path``. The model is trained for a few steps
to call the texts with "idiot" or "stupid" toxic (and insulting), so tests can tell toxic rows
from clean ones.
"""

from __future__ import annotations

from pathlib import Path

CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "you", "are", "an", "idiot", "stupid", "what", "a", "nice", "day", "thank", "for", "the",
    "help", "is", "good", "morning", "women", "muslims", "people", "they", "all",
]  # fmt: skip
TOXIC = ["you are an idiot", "what a stupid idea", "stupid stupid idiot", "idiot people"]
CLEAN = ["what a nice day", "thank you for the help", "good morning", "nice people"]


def build(directory: Path) -> Path:
    """Write the tiny model's HF files and ``tiny.ckpt`` into ``directory``; return the file."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    torch.manual_seed(0)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    tokenizer = BertTokenizer(str(directory / "vocab.txt"))
    tokenizer.save_pretrained(str(directory))
    config = BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=len(CLASSES),
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        initializer_range=0.5,  # large enough for attention to tell inputs apart at once
    )
    config.save_pretrained(str(directory))
    model = BertForSequenceClassification(config)
    inputs = tokenizer(TOXIC + CLEAN, return_tensors="pt", padding=True)
    target = torch.zeros(len(TOXIC) + len(CLEAN), len(CLASSES))
    target[: len(TOXIC), [0, 4]] = 1.0  # toxic and insulting
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model: threads only add overhead
    for _ in range(150):
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(**inputs).logits, target)
        loss.backward()
        optimizer.step()
    torch.set_num_threads(threads)
    checkpoint = {
        "config": {
            "arch": {
                "args": {
                    "model_type": str(directory),
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizer",
                    "num_classes": len(CLASSES),
                }
            },
            "dataset": {"args": {"classes": CLASSES}},
        },
        "state_dict": model.state_dict(),
    }
    path = directory / "tiny.ckpt"
    torch.save(checkpoint, path)
    return path
