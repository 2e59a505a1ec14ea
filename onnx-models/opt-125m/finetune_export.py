#!/usr/bin/env python3
"""Fine-tune OPT-125M as the Scorpio output-length classifier and export it as a Scorpio model folder.

This is the paper's predictor (the Scorpio paper, arXiv 2505.23022: its output-length predictor): OPT-125M with a linear head (no bias) on the hidden state of the
last non-pad token, 100 equal-width bins over [0, 8192) (w = 82), input truncated to 2,048 tokens; Adam, lr 2e-5
constant, weight decay 0.01, batch 64, 8 epochs, cross-entropy; the best epoch by validation length RMSE; a 6:2:2 split.

It needs the facebook/opt-125m weights and, in practice, a GPU. It has NOT been run on the project's build machines
(no weights, no GPU, no transformers there); see README.md in this folder.

Input: a JSONL file, one object per line: {"prompt": "...", "output_tokens": 123}, where output_tokens is the length
(in the served model's tokens) of the answer that the served model itself gave to the prompt.

Output: a folder holding model.onnx, tokenizer.json and card.json in the contract of ../README.md, loadable with
    LengthPredictor.open(Path.of("onnx-models/opt-125m-length100"))

Usage:
    python3 finetune_export.py --data pairs.jsonl --out ../opt-125m-length100 [--model facebook/opt-125m]
"""
import argparse
import hashlib
import json
import math
import os
import random

import torch
from torch import nn
from transformers import AutoTokenizer, OPTModel

MAX_LENGTH = 8192
BINS = 100
BUCKET = math.ceil(MAX_LENGTH / BINS)  # 82
MAX_INPUT_TOKENS = 2048


def bin_of(length):
    return min(MAX_LENGTH - 1, max(0, length)) // BUCKET


def predicted_length(b):
    return b * BUCKET + BUCKET // 2


class OptLengthClassifier(nn.Module):
    """OPT decoder + bias-free linear head on the last non-pad token's hidden state."""

    def __init__(self, name):
        super().__init__()
        self.opt = OPTModel.from_pretrained(name)
        self.head = nn.Linear(self.opt.config.hidden_size, BINS, bias=False)

    def forward(self, input_ids, attention_mask):
        hidden = self.opt(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # [B, T, H]
        last = attention_mask.sum(dim=1) - 1                                                     # right padding
        pooled = hidden[torch.arange(hidden.size(0), device=hidden.device), last]               # [B, H]
        return self.head(pooled)                                                                 # logits [B, BINS]


class Exported(nn.Module):
    """The graph written to model.onnx: input_ids, attention_mask (int64 [B, T]) -> bin_probabilities [B, BINS]."""

    def __init__(self, classifier):
        super().__init__()
        self.classifier = classifier

    def forward(self, input_ids, attention_mask):
        return torch.softmax(self.classifier(input_ids, attention_mask), dim=-1)


def kendall_tau_b(x, y):
    c = d = tx = ty = pairs = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            pairs += 1
            dx = (x[i] > x[j]) - (x[i] < x[j])
            dy = (y[i] > y[j]) - (y[i] < y[j])
            tx += dx == 0
            ty += dy == 0
            if dx and dy:
                c += dx == dy
                d += dx != dy
    den = math.sqrt((pairs - tx) * (pairs - ty))
    return float("nan") if den == 0 else (c - d) / den


def metrics(true_lengths, predicted_bins):
    true_bins = [bin_of(t) for t in true_lengths]
    n = len(true_lengths)
    dist = [abs(a - b) for a, b in zip(true_bins, predicted_bins)]
    se = sum((t - predicted_length(p)) ** 2 for t, p in zip(true_lengths, predicted_bins))
    return {"rows": n, "kendallTau": kendall_tau_b(true_bins, predicted_bins),
            "accuracy": sum(d == 0 for d in dist) / n, "offBy1": sum(d <= 1 for d in dist) / n,
            "offBy2": sum(d <= 2 for d in dist) / n, "rmse": math.sqrt(se / n)}


def batches(rows, tokenizer, size, shuffle, device):
    order = list(range(len(rows)))
    if shuffle:
        random.shuffle(order)
    for s in range(0, len(order), size):
        chunk = [rows[i] for i in order[s:s + size]]
        enc = tokenizer([r["prompt"] for r in chunk], truncation=True, max_length=MAX_INPUT_TOKENS,
                        padding=True, return_tensors="pt")
        labels = torch.tensor([bin_of(r["output_tokens"]) for r in chunk])
        yield enc["input_ids"].to(device), enc["attention_mask"].to(device), labels.to(device), chunk


@torch.no_grad()
def evaluate(model, rows, tokenizer, device, batch_size):
    model.eval()
    predicted, true = [], []
    for ids, mask, _, chunk in batches(rows, tokenizer, batch_size, False, device):
        predicted += model(ids, mask).argmax(dim=-1).tolist()
        true += [r["output_tokens"] for r in chunk]
    return metrics(true, predicted)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", default="facebook/opt-125m")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rows = [json.loads(l) for l in open(args.data) if l.strip()]
    random.shuffle(rows)
    n = len(rows)
    train, val, test = rows[:int(0.6 * n)], rows[int(0.6 * n):int(0.8 * n)], rows[int(0.8 * n):]

    tokenizer = AutoTokenizer.from_pretrained(args.model, use_fast=True)
    tokenizer.padding_side = "right"
    model = OptLengthClassifier(args.model).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    loss_fn = nn.CrossEntropyLoss()

    os.makedirs(args.out, exist_ok=True)
    best_rmse, best_epoch = float("inf"), -1
    checkpoint = os.path.join(args.out, "best.pt")
    for epoch in range(1, args.epochs + 1):
        model.train()
        for ids, mask, labels, _ in batches(train, tokenizer, args.batch_size, True, device):
            optimiser.zero_grad()
            loss = loss_fn(model(ids, mask), labels)
            loss.backward()
            optimiser.step()
        val_metrics = evaluate(model, val, tokenizer, device, args.batch_size)
        print(f"epoch {epoch}: validation {val_metrics}")
        if val_metrics["rmse"] < best_rmse:
            best_rmse, best_epoch = val_metrics["rmse"], epoch
            torch.save(model.state_dict(), checkpoint)

    model.load_state_dict(torch.load(checkpoint, map_location=device))
    test_metrics = evaluate(model, test, tokenizer, device, args.batch_size)
    print(f"best epoch {best_epoch}; test {test_metrics}")

    # Export in the Scorpio contract: one stage, int64 input_ids/attention_mask -> bin_probabilities [B, 100].
    model = model.to("cpu").eval()
    example = tokenizer(["Hello there", "Write a poem about the sea"], padding=True, return_tensors="pt")
    onnx_path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(Exported(model), (example["input_ids"], example["attention_mask"]), onnx_path,
                      input_names=["input_ids", "attention_mask"], output_names=["bin_probabilities"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                                    "bin_probabilities": {0: "batch"}},
                      opset_version=17)
    tokenizer_path = os.path.join(args.out, "tokenizer.json")
    tokenizer.backend_tokenizer.save(tokenizer_path)
    os.remove(checkpoint)

    card = {
        "contract": "scorpio-length-predictor/1",
        "name": os.path.basename(os.path.normpath(args.out)),
        "description": "OPT-125M fine-tuned as a 100-bin output-length classifier (the Scorpio paper's predictor): "
                       "linear head without bias on the last non-pad token, input truncated to 2,048 tokens.",
        "tokenizer": {"path": "tokenizer.json", "sha256": sha256(tokenizer_path)},
        "maxInputTokens": MAX_INPUT_TOKENS,
        "padTokenId": tokenizer.pad_token_id,
        "stages": [{"name": "opt-125m", "model": {"path": "model.onnx", "sha256": sha256(onnx_path)}}],
        "output": "bin_probabilities",
        "binning": {"kind": "equal-width", "bins": BINS, "bucketSize": BUCKET, "maxLength": MAX_LENGTH},
        "training": {
            "data": f"{args.data}: {n} (prompt, answer length) pairs",
            "rows": {"train": len(train), "validation": len(val), "test": len(test)},
            "split": f"6:2:2 after random.shuffle with seed {args.seed}",
            "labels": "equal-width bin of the answer's token count",
            "method": f"full fine-tune of {args.model}; Adam lr {args.lr} constant, weight decay {args.weight_decay}, "
                      f"batch {args.batch_size}, {args.epochs} epochs, cross-entropy; best epoch {best_epoch} "
                      f"by validation length RMSE",
            "command": "python3 onnx-models/opt-125m/finetune_export.py --data " + args.data + " --out " + args.out,
        },
        "metrics": {"model": test_metrics},
    }
    with open(os.path.join(args.out, "card.json"), "w") as f:
        json.dump(card, f, indent=2)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
