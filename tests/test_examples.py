"""The examples run and show what they claim."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_two_layer_example_gradients_match_and_loss_falls(activation: str, capsys) -> None:  # type: ignore[no-untyped-def]
    example = load("two_layer_network")
    losses = example.train(activation=activation, steps=300)
    out = capsys.readouterr().out
    diffs = [float(line.split()[-1]) for line in out.splitlines() if line.strip().startswith("d")]
    assert len(diffs) == 6 and max(diffs) < 1e-12
    assert losses[-1] < 0.5 * losses[0]
    assert all(b <= a + 1e-3 for a, b in itertools.pairwise(losses))  # plain gradient descent


def test_two_layer_example_compiled_and_eager_train_alike(capsys) -> None:  # type: ignore[no-untyped-def]
    example = load("two_layer_network")
    compiled = example.train(steps=50, compiled=True)
    eager = example.train(steps=50, compiled=False)
    np.testing.assert_allclose(compiled, eager, rtol=1e-10)


def test_newton_converges_in_a_handful_of_steps() -> None:
    example = load("newton_logistic_regression")
    X, y = example.make_problem()
    w_newton, newton_steps = example.newton(X, y)
    w_gd, gd_steps = example.gradient_descent(X, y)
    assert newton_steps <= 10 and gd_steps > 20 * newton_steps
    np.testing.assert_allclose(w_newton, w_gd, atol=1e-6)


def test_digits_example_compiled_and_eager_agree(capsys) -> None:  # type: ignore[no-untyped-def]
    example = load("digits_classifier")
    compiled = example.main(epochs=2, compiled=True)
    eager = example.main(epochs=2, compiled=False)
    assert compiled == eager and compiled > 0.85
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == lines[2:]  # the same losses and accuracies, epoch by epoch


def test_cnn_example_learns_the_digits_at_a_reduced_size(capsys) -> None:  # type: ignore[no-untyped-def]
    example = load("cnn_digits")
    compiled = example.main(epochs=4, channels=(8, 16), compiled=True, verbose=False)
    eager = example.main(epochs=4, channels=(8, 16), compiled=False, verbose=False)
    assert compiled == eager and compiled > 0.85


@pytest.mark.slow
def test_cnn_example_reaches_its_accuracy_over_five_seeds() -> None:
    example = load("cnn_digits")
    accuracies = [example.main(seed=seed, verbose=False) for seed in range(5)]
    assert np.mean(accuracies) >= 0.985 and min(accuracies) >= 0.975


def test_transformer_example_learns_to_reverse_at_a_reduced_size() -> None:
    example = load("tiny_transformer")
    compiled, compiled_losses = example.main(length=3, steps=150, width=32, layers=1,
                                             n_test=200, verbose=False)  # fmt: skip
    eager, eager_losses = example.main(length=3, steps=150, width=32, layers=1, n_test=200,
                                       compiled=False, verbose=False)  # fmt: skip
    np.testing.assert_allclose(compiled_losses, eager_losses, rtol=1e-9)
    assert compiled == eager and compiled > 0.9
    assert np.mean(compiled_losses[-20:]) < 0.2 * np.mean(compiled_losses[:20])


def test_transformer_decoding_writes_one_token_per_input_digit() -> None:
    example = load("tiny_transformer")
    model = example.TinyTransformer(length=4, width=16, layers=1)
    out = example.reverse(model, np.array([[1, 2, 3, 4], [0, 0, 9, 9]]))
    assert out.shape == (2, 4) and out.max() < example.DIGITS


@pytest.mark.slow
def test_transformer_example_reverses_held_out_sequences() -> None:
    accuracy, _ = load("tiny_transformer").main(verbose=False)
    assert accuracy >= 0.99
