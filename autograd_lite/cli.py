"""The ``autograd-lite`` command: train the tutorial's network, check its gradients, draw it.

``train`` needs the ``examples`` extra for the bundled data sets (scikit-learn), the
progress bar (tqdm, skipped when missing) and ``--plot`` (matplotlib).
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from . import closed_form, data, nn, optim, viz
from ._mode import no_grad
from ._tensor import Tensor
from .compiler.compiled import compile
from .losses import binary_cross_entropy_with_logits, cross_entropy
from .serialization import load, save
from .testing import numerical_grad

PROG = "autograd-lite"

# Per data set (hidden units, epochs, Adam learning rate), chosen by sweeping seeds 0-5:
# breast cancer and digits reach >= 0.96 test accuracy with seed 0 in about a second.
DEFAULTS: dict[str, tuple[int, int, float]] = {
    "breast_cancer": (16, 40, 0.01),
    "digits": (64, 10, 0.003),
    "moons": (16, 100, 0.01),
    "spirals": (64, 200, 0.01),
    "xor": (16, 40, 0.01),
}
# The CNN on the 8x8 digits (width of its linear layer, epochs, Adam learning rate):
# with seed 0 it reaches 0.9944 test accuracy (examples/cnn_digits.py, with shifted
# images and a cosine schedule, is the one measured over five seeds).
CNN_DEFAULTS = (128, 30, 0.002)
DEFAULT_BATCH_SIZE = 32


class UsageError(Exception):
    """A bad command line, reported in one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``autograd-lite`` command."""
    parser = _Parser(prog=PROG, description="Train, check and draw the tutorial's network.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser("train", help="train a classifier and report its accuracy")
    train.add_argument("--dataset", choices=data.DATASETS, default="breast_cancer")
    per_set = "; default per data set: " + ", ".join(
        f"{name} {values[0]}/{values[1]}/{values[2]}" for name, values in DEFAULTS.items()
    )
    train.add_argument(
        "--hidden", type=_positive_int, help="hidden units (see --lr for the defaults)"
    )
    train.add_argument(
        "--activation",
        choices=tuple(nn.ACTIVATIONS),
        help="hidden activation (default: tanh for mlp, relu for cnn)",
    )
    train.add_argument(
        "--model",
        choices=("mlp", "cnn"),
        default="mlp",
        help="mlp: one hidden layer (the tutorial's network for two classes); cnn: two 3x3 "
        "convolutions, max pooling and two linear layers, for the 8x8 digits (defaults "
        f"{CNN_DEFAULTS[0]}/{CNN_DEFAULTS[1]}/{CNN_DEFAULTS[2]})",
    )
    train.add_argument("--epochs", type=_positive_int, help="passes over the training set")
    train.add_argument(
        "--lr", type=_positive_float, help="learning rate" + per_set + " (hidden/epochs/lr)"
    )
    train.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    train.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    train.add_argument("--batch-size", type=_positive_int, default=DEFAULT_BATCH_SIZE)
    train.add_argument("--seed", type=int, default=0, help="seeds the split, weights, shuffling")
    train.add_argument("--load", metavar="PATH", help="start from weights saved with --save")
    train.add_argument("--save", metavar="PATH", help="write the trained weights (.npz)")
    train.add_argument("--plot", metavar="PATH", help="write loss and accuracy curves (.png)")
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    train.add_argument(
        "--no-compile",
        action="store_true",
        help="run the training step eagerly instead of through ag.compile (same results)",
    )
    train.set_defaults(run=cmd_train)

    check = sub.add_parser("check", help="compare autograd, closed-form and numerical gradients")
    check.add_argument("--seed", type=int, default=0)
    check.set_defaults(run=cmd_check)

    source = sub.add_parser(
        "source", help="print the tutorial network's compiled backward pass as NumPy code"
    )
    source.add_argument("--activation", choices=tuple(nn.ACTIVATIONS), default="tanh")
    source.add_argument(
        "--step", action="store_true", help="a whole training step: zero_grad, backward, SGD"
    )
    source.set_defaults(run=cmd_source)

    graph = sub.add_parser("graph", help="write the tutorial network's graph as Graphviz DOT")
    graph.add_argument("--out", metavar="PATH", help="file to write (default: standard output)")
    graph.add_argument("--activation", choices=tuple(nn.ACTIVATIONS), default="tanh")
    graph.set_defaults(run=cmd_graph)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit code.

    Bad arguments give exit code 2, failures while running (a missing or unreadable
    file, a missing optional package) exit code 1, each with one line on stderr.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    try:
        code: int = args.run(args)
    except (OSError, ValueError, ImportError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    return code


# --------------------------------------------------------------------- train
def _check_writable(path: str | None, what: str) -> None:
    if path is not None:
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"{what}: directory {directory!r} does not exist")


class _Task:
    """The model, loss and predictions for a data set: binary (the tutorial) or softmax."""

    def __init__(self, args: argparse.Namespace, n_features: int, n_classes: int) -> None:
        self.binary = n_classes == 2 and args.model == "mlp"
        self.image: tuple[int, ...] | None = None
        self.model: nn.Module
        if args.model == "cnn":
            side = math.isqrt(n_features)
            if side * side != n_features or side % 2:
                raise ValueError(
                    f"--model cnn needs square images of even side (the digits, 8x8); "
                    f"{args.dataset} has {n_features} features"
                )
            self.image = (1, side, side)
            gen = np.random.default_rng(args.seed)
            act = args.activation
            self.model = nn.Sequential(
                nn.Conv2d(1, 32, 3, padding=1, rng=gen),
                nn.activation(act),
                nn.Conv2d(32, 64, 3, padding=1, rng=gen),
                nn.activation(act),
                nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Linear(64 * (side // 2) ** 2, args.hidden, rng=gen),
                nn.activation(act),
                nn.Linear(args.hidden, n_classes, rng=gen),
            )
        elif self.binary:
            # The tutorial's convention: one example per column.
            self.model = nn.TwoLayerNet(
                n_features, args.hidden, 1, activation=args.activation, rng=args.seed
            )
        else:
            gen = np.random.default_rng(args.seed)
            self.model = nn.Sequential(
                nn.Linear(n_features, args.hidden, rng=gen),
                nn.activation(args.activation),
                nn.Linear(args.hidden, n_classes, rng=gen),
            )

    def logits(self, X: NDArray[Any]) -> Tensor:
        if self.image is not None:
            X = X.reshape(len(X), *self.image)
        out: Tensor = self.model(X.T if self.binary else X)
        return out

    def loss(self, logits: Tensor, y: NDArray[Any]) -> Tensor:
        if self.binary:
            return binary_cross_entropy_with_logits(logits, y[None, :].astype(logits.dtype))
        return cross_entropy(logits, y)

    def accuracy(self, X: NDArray[Any], y: NDArray[Any]) -> float:
        with no_grad():
            z = self.logits(X).data
        predicted = (z[0] > 0).astype(np.int64) if self.binary else z.argmax(axis=1)
        return float(np.mean(predicted == y))


def _progress(epochs: int, enabled: bool) -> Any:
    if enabled:
        try:
            tqdm = importlib.import_module("tqdm").tqdm
        except ImportError:
            pass
        else:
            return tqdm(range(epochs), desc="training", unit="epoch", file=sys.stderr)
    return None


def cmd_train(args: argparse.Namespace) -> int:
    """Train on ``args.dataset`` and print the train and test accuracy."""
    _check_writable(args.save, "--save")
    _check_writable(args.plot, "--plot")
    if args.plot is not None:
        _import_pyplot()
    if args.activation is None:
        args.activation = "relu" if args.model == "cnn" else "tanh"
    default_hidden, default_epochs, default_lr = (
        CNN_DEFAULTS if args.model == "cnn" else DEFAULTS[args.dataset]
    )
    args.hidden = default_hidden if args.hidden is None else args.hidden
    args.epochs = default_epochs if args.epochs is None else args.epochs
    args.lr = default_lr if args.lr is None else args.lr
    start = time.perf_counter()
    split = data.load_dataset(args.dataset, seed=args.seed)
    task = _Task(args, split.X_train.shape[1], split.n_classes)
    if args.load is not None:
        task.model.load_state_dict(load(args.load))
    opt: optim.Optimizer
    if args.optimizer == "adam":
        opt = optim.Adam(task.model.parameters(), lr=args.lr)
    else:
        opt = optim.SGD(task.model.parameters(), lr=args.lr, momentum=args.momentum)
    loader = data.DataLoader(
        split.X_train, split.y_train, batch_size=args.batch_size, shuffle=True, rng=args.seed
    )
    history: dict[str, list[float]] = {"loss": [], "train": [], "test": []}
    bar = _progress(args.epochs, not args.no_progress)
    epochs = bar if bar is not None else range(args.epochs)

    def train_step(Xb: NDArray[Any], yb: NDArray[Any]) -> Tensor:
        opt.zero_grad()
        loss = task.loss(task.logits(Xb), yb)
        loss.backward()
        opt.step()
        return loss

    step = train_step if args.no_compile else compile(train_step)
    for _ in epochs:
        total = 0.0
        for Xb, yb in loader:
            total += step(Xb, yb).item() * len(yb)
        history["loss"].append(total / len(split.y_train))
        history["train"].append(task.accuracy(split.X_train, split.y_train))
        history["test"].append(task.accuracy(split.X_test, split.y_test))
        if bar is not None:
            bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", acc=f"{history['train'][-1]:.4f}")
    if bar is not None:
        bar.close()
    elapsed = time.perf_counter() - start
    kind = "two-layer network" if task.binary else "softmax classifier"
    if task.image is not None:
        kind = "convolutional network"
    mode = "eager" if args.no_compile else "compiled"
    print(
        f"{args.dataset}: {kind}, {args.hidden} {args.activation} units, "
        f"{args.epochs} epochs of {args.optimizer} (lr {args.lr}, {mode}) in {elapsed:.2f} s"
    )
    print(f"final loss: {history['loss'][-1]:.4f}")
    print(f"train accuracy: {history['train'][-1]:.4f}")
    print(f"test accuracy: {history['test'][-1]:.4f}")
    if args.save is not None:
        save(task.model.state_dict(), args.save)
        print(f"weights saved to {args.save}")
    if args.plot is not None:
        _plot(history, args.plot, args.dataset)
        print(f"curves saved to {args.plot}")
    return 0


def _import_pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            "--plot needs matplotlib; install the examples extra: "
            "pip install 'autograd_lite[examples]'"
        ) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plot(history: dict[str, list[float]], path: str, title: str) -> None:
    plt = _import_pyplot()
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax_loss.plot(epochs, history["loss"])
    ax_loss.set(xlabel="epoch", ylabel="training loss", title=f"{title}: loss")
    ax_acc.plot(epochs, history["train"], label="train")
    ax_acc.plot(epochs, history["test"], label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title=f"{title}: accuracy")
    ax_acc.legend()
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


# --------------------------------------------------------------------- check
def _difference(a: NDArray[Any], b: NDArray[Any]) -> tuple[float, float]:
    """Max absolute difference, and that relative to the larger of the two max magnitudes."""
    diff = float(np.max(np.abs(a - b)))
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), np.finfo(np.float64).tiny)
    return diff, diff / scale


CLOSED_FORM_RTOL = 1e-10
NUMERICAL_RTOL = 1e-6


def gradient_table(seed: int = 0) -> list[tuple[str, str, float, float, float, float]]:
    """Rows ``(activation, parameter, abs, rel vs closed form, abs, rel vs numerical)``.

    For each hidden activation, a random network (n0=4, n1=5, n2=2) on m=7 random
    examples; J is the closed form's loss, ``bce_with_logits(Z2, Y, "sum") / m``.
    """
    n0, n1, n2, m = 4, 5, 2, 7
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(n0, m))
    Y = (gen.random((n2, m)) < 0.5).astype(np.float64)
    rows = []
    for act in closed_form.ACTIVATIONS:
        net = nn.TwoLayerNet(n0, n1, n2, activation=act, rng=gen)
        params: dict[str, NDArray[np.floating[Any]]] = {
            name: gen.normal(size=p.shape) for name, p in net.named_parameters()
        }
        net.load_state_dict(params)

        def objective(W1: Any, b1: Any, W2: Any, b2: Any, act: str = act) -> Tensor:
            Z1 = W1 @ X + b1
            Z2 = W2 @ nn.activation(act)(Z1) + b2
            return binary_cross_entropy_with_logits(Z2, Y, reduction="sum") / m

        net.zero_grad()
        binary_cross_entropy_with_logits(net(X), Y, reduction="sum").__truediv__(m).backward()
        cache = closed_form.two_layer_forward(params, X, act)
        grads = closed_form.two_layer_backward(params, cache, X, Y, act)
        closed = {"W1": grads.dW1, "b1": grads.db1, "W2": grads.dW2, "b2": grads.db2}
        numeric = dict(zip(params, numerical_grad(objective, *params.values())))
        for name, p in net.named_parameters():
            assert p.grad is not None
            rows.append(
                (act, name, *_difference(p.grad, closed[name]), *_difference(p.grad, numeric[name]))
            )
    return rows


def cmd_check(args: argparse.Namespace) -> int:
    """Print the gradient comparison table; exit 1 if any difference is too large."""
    rows = gradient_table(args.seed)
    print("gradients of J = bce_with_logits(Z2, Y, 'sum') / m: autograd vs closed form vs")
    print("central finite differences (max |difference|; relative to the larger max |grad|)")
    header = f"{'activation':<10} {'param':<5} {'abs(closed)':>12} {'rel(closed)':>12}"
    header += f" {'abs(numeric)':>12} {'rel(numeric)':>12}"
    print(header)
    print("-" * len(header))
    ok = True
    for act, name, ca, cr, na, nr in rows:
        print(f"{act:<10} {name:<5} {ca:12.2e} {cr:12.2e} {na:12.2e} {nr:12.2e}")
        ok &= cr <= CLOSED_FORM_RTOL and nr <= NUMERICAL_RTOL
    verdict = "all gradients agree" if ok else "MISMATCH"
    print(
        f"{verdict} (tolerances: {CLOSED_FORM_RTOL:g} relative to the closed form, "
        f"{NUMERICAL_RTOL:g} to finite differences)"
    )
    return 0 if ok else 1


# --------------------------------------------------------------------- source
def tutorial_source(activation: str = "tanh", step: bool = False) -> str:
    """The compiled program of the tutorial network's gradient (or training step).

    The network of the post with n0=3 inputs, n1=4 hidden units and m=5 examples: the
    loss is ``bce_with_logits(Z2, Y, "sum") / m``, so that the generated backward pass
    lines up with the post's dZ2, dW2, db2, dZ1, dW1, db1.
    """
    gen = np.random.default_rng(0)
    net = nn.TwoLayerNet(3, 4, 1, activation=activation, rng=gen)
    X = gen.normal(size=(3, 5))
    Y = (gen.random((1, 5)) < 0.5).astype(np.float64)
    opt = optim.SGD(net.parameters(), lr=0.1)

    def gradients(X: NDArray[Any], Y: NDArray[Any]) -> Tensor:
        net.zero_grad()
        m = X.shape[1]
        loss: Tensor = binary_cross_entropy_with_logits(net(X), Y, reduction="sum") / m
        loss.backward()
        if step:
            opt.step()
        return loss

    gradients.__name__ = "training_step" if step else "gradients"
    source: str = compile(gradients).source(X, Y)
    return source


def cmd_source(args: argparse.Namespace) -> int:
    """Print the generated program."""
    sys.stdout.write(tutorial_source(args.activation, args.step))
    return 0


# --------------------------------------------------------------------- graph
def tutorial_graph(activation: str = "tanh") -> str:
    """DOT text of the tutorial network's loss: n0=3 inputs, n1=4 hidden units, m=5."""
    gen = np.random.default_rng(0)
    net = nn.TwoLayerNet(3, 4, 1, activation=activation, rng=gen)
    X = gen.normal(size=(3, 5))
    Y = (gen.random((1, 5)) < 0.5).astype(np.float64)
    loss = binary_cross_entropy_with_logits(net(X), Y)
    return viz.to_dot(loss, params=dict(net.named_parameters()))


def cmd_graph(args: argparse.Namespace) -> int:
    """Write the DOT text to ``--out`` or standard output."""
    text = tutorial_graph(args.activation) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    _check_writable(args.out, "--out")
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"graph written to {args.out}")
    return 0


_: Callable[..., int] = main
