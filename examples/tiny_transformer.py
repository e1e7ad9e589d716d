"""A decoder-only transformer that learns to reverse sequences of digits.

Each example is ``d1 d2 ... dL | dL ... d2 d1``: ``L`` random digits, a separator, and the
digits reversed.  The model (token and position embeddings, pre-norm blocks of causal
multi-head attention and a GELU MLP, a final layer norm) is trained to predict each next
token of the reversed half; at test time it writes the reversed half itself, one token at
a time (greedy decoding), for held-out sequences it never saw.  The training step runs
through ``ag.compile``.

Run with ``python examples/tiny_transformer.py`` (``--plot loss.png`` draws the loss
curve; ``--eager`` runs the step without compiling it).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import autograd_lite as ag
from autograd_lite import nn, optim

DIGITS = 10
SEPARATOR = DIGITS  # the token between a sequence and its reverse
VOCABULARY = DIGITS + 1


class Block(nn.Module):
    """``x + attention(norm(x))``, then ``x + mlp(norm(x))``."""

    def __init__(self, width: int, heads: int, rng: np.random.Generator) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True, rng=rng)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width, rng=rng), nn.GELU(), nn.Linear(4 * width, width, rng=rng)
        )

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        h = self.norm1(x)
        attended, _ = self.attention(h, h, h, need_weights=False, is_causal=True)
        x = x + attended
        return x + self.mlp(self.norm2(x))


class TinyTransformer(nn.Module):
    """Token ids ``(N, T)`` to next-token logits ``(N, T, VOCABULARY)``."""

    def __init__(
        self, length: int, width: int = 64, heads: int = 4, layers: int = 2, seed: int = 0
    ) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.tokens = nn.Embedding(VOCABULARY, width, rng=rng)
        self.positions = nn.Embedding(2 * length + 1, width, rng=rng)
        self.blocks = nn.ModuleList([Block(width, heads, rng) for _ in range(layers)])
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, VOCABULARY, rng=rng)
        for embedding in (self.tokens, self.positions):
            embedding.weight.data *= 0.1  # small start, as in GPT-style models

    def forward(self, ids: np.ndarray) -> ag.Tensor:
        x = self.tokens(ids) + self.positions(np.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x)
        logits: ag.Tensor = self.head(self.norm(x))
        return logits


def make_examples(n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` sequences ``digits, SEPARATOR, reversed digits``: shape ``(n, 2 * length + 1)``."""
    digits = rng.integers(0, DIGITS, (n, length))
    separator = np.full((n, 1), SEPARATOR)
    return np.concatenate([digits, separator, digits[:, ::-1]], axis=1)


def training_batch(n: int, length: int, rng: np.random.Generator, test: set[bytes]) -> np.ndarray:
    """``n`` examples, none of them one of the test sequences (held out)."""
    found = np.empty((0, 2 * length + 1), dtype=np.int64)
    while len(found) < n:
        examples = make_examples(n, length, rng)
        fresh = np.array([row.tobytes() not in test for row in examples], dtype=bool)
        found = np.concatenate([found, examples[fresh]])
    return found[:n]


def reverse(model: nn.Module, digits: np.ndarray) -> np.ndarray:
    """The model's reversal of each row of ``digits``, decoded greedily token by token."""
    length = digits.shape[1]
    ids = np.concatenate([digits, np.full((len(digits), 1), SEPARATOR)], axis=1)
    model.eval()
    with ag.no_grad():
        for _ in range(length):
            next_token = model(ids).data[:, -1, :DIGITS].argmax(axis=1)
            ids = np.concatenate([ids, next_token[:, None]], axis=1)
    model.train()
    return ids[:, length + 1 :]


def main(
    length: int = 8,
    steps: int = 1000,
    batch_size: int = 64,
    width: int = 64,
    layers: int = 2,
    seed: int = 0,
    compiled: bool = True,
    n_test: int = 1000,
    verbose: bool = True,
) -> tuple[float, list[float]]:
    """Train; return the exact-sequence accuracy on held-out sequences and the loss curve."""
    rng = np.random.default_rng(seed)
    test = make_examples(n_test, length, np.random.default_rng(seed + 10_000))
    test_keys = {row.tobytes() for row in test}
    model = TinyTransformer(length, width=width, layers=layers, seed=seed)
    opt = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    schedule = optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.1)

    def train_step(batch: np.ndarray) -> ag.Tensor:
        opt.zero_grad()
        logits = model(batch[:, :-1])
        # Only the reversed half is predicted: from the separator on.
        loss = ag.cross_entropy(logits[:, length:], batch[:, length + 1 :])
        loss.backward()
        opt.step()
        return loss

    step = ag.compile(train_step) if compiled else train_step
    losses: list[float] = []
    start = time.perf_counter()
    for i in range(1, steps + 1):
        batch = training_batch(batch_size, length, rng, test_keys)
        losses.append(step(batch).item())
        schedule.step()
        if verbose and i % 250 == 0:
            print(f"step {i:5d}  loss {np.mean(losses[-250:]):.4f}")
    predicted = reverse(model, test[:, :length])
    accuracy = float(np.mean((predicted == test[:, length + 1 :]).all(axis=1)))
    if verbose:
        print(f"trained in {time.perf_counter() - start:.1f} s")
        for row, out in zip(test[:5, :length], predicted[:5]):
            print(f"  {''.join(map(str, row))} -> {''.join(map(str, out))}")
        print(f"exact-sequence accuracy on {n_test} held-out sequences: {accuracy:.4f}")
    return accuracy, losses


def plot(losses: list[float], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(np.arange(1, len(losses) + 1), losses, linewidth=0.8)
    ax.set(xlabel="step", ylabel="training loss", yscale="log", title="tiny transformer: loss")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--length", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eager", action="store_true", help="do not compile the step")
    parser.add_argument("--plot", metavar="PATH", help="write the loss curve (.png)")
    args = parser.parse_args()
    _, curve = main(args.length, args.steps, seed=args.seed, compiled=not args.eager)
    if args.plot:
        plot(curve, args.plot)
        print(f"loss curve saved to {args.plot}")
