"""The autograd-lite command, through main(argv)."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import numpy as np
import pytest

from autograd_lite import load, nn
from autograd_lite.cli import main

pytest.importorskip("sklearn", reason="the CLI tests need the examples extra")


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _accuracy(out, which):
    return float(out.split(f"{which} accuracy: ")[1].split()[0])


def test_breast_cancer_defaults_reach_the_target(capsys):
    code, out, _ = _run(capsys, "train", "--dataset", "breast_cancer", "--no-progress")
    assert code == 0
    assert _accuracy(out, "test") >= 0.96
    assert _accuracy(out, "train") >= 0.96


def test_digits_trains_a_softmax_head(capsys):
    code, out, _ = _run(capsys, "train", "--dataset", "digits", "--epochs", "2", "--no-progress")
    assert code == 0 and "softmax classifier" in out
    assert _accuracy(out, "test") > 0.8  # ten classes: chance is 0.1


def test_digits_trains_a_cnn_that_saves_and_loads(capsys, tmp_path):
    path = str(tmp_path / "cnn.npz")
    argv = ["train", "--dataset", "digits", "--model", "cnn", "--hidden", "16", "--epochs", "2"]
    code, out, _ = _run(capsys, *argv, "--no-progress", "--save", path)
    assert code == 0 and "convolutional network, 16 relu units" in out
    assert _accuracy(out, "test") > 0.8
    assert load(path)["0.weight"].shape == (32, 1, 3, 3)  # Conv2d's (out, in, kh, kw)
    code, again, _ = _run(capsys, *argv, "--no-progress", "--no-compile", "--epochs", "1",
                          "--load", path)  # fmt: skip
    assert code == 0 and _accuracy(again, "train") >= _accuracy(out, "train") - 0.05


def test_a_cnn_on_data_that_is_no_image_is_refused(capsys):
    code, _, err = _run(capsys, "train", "--dataset", "moons", "--model", "cnn", "--no-progress")
    assert code == 1 and "--model cnn needs square images" in err and "moons" in err


@pytest.mark.parametrize("dataset", ["breast_cancer", "digits"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_compiled_and_eager_training_print_the_same_results(capsys, dataset, optimizer):
    argv = ["train", "--dataset", dataset, "--epochs", "2", "--optimizer", optimizer]
    code, compiled, _ = _run(capsys, *argv, "--no-progress")
    assert code == 0 and "compiled" in compiled
    code, eager, _ = _run(capsys, *argv, "--no-progress", "--no-compile")
    assert code == 0 and "eager" in eager
    assert compiled.splitlines()[1:] == eager.splitlines()[1:]  # all but the timing line


def test_source_prints_the_posts_backward_pass(capsys):
    code, out, _ = _run(capsys, "source")
    assert code == 0
    namespace: dict = {}
    exec(out, namespace)  # it runs on its own
    lines = out.splitlines()
    assert "def gradients(X, Y, W1, b1, W2, b2):" in lines
    for name in ("dW1", "db1", "dW2", "db2"):
        assert any(line.strip().startswith(f"{name} = ") for line in lines)
    assert any("# backward of tanh (cli.py:" in line for line in lines)
    code, out, _ = _run(capsys, "source", "--step", "--activation", "relu")
    assert "W1 -= " in out and "np.maximum" in out and "lr=0.1" in out


def test_save_plot_and_load(tmp_path, capsys):
    weights, curves = tmp_path / "w.npz", tmp_path / "curves.png"
    code, out, _ = _run(
        capsys, "train", "--dataset", "xor", "--epochs", "3", "--hidden", "5",
        "--optimizer", "sgd", "--save", str(weights), "--plot", str(curves), "--no-progress",
    )  # fmt: skip
    assert code == 0 and "weights saved" in out and "curves saved" in out
    sd = load(weights)
    assert {k: v.shape for k, v in sd.items()} == {
        "W1": (5, 2), "b1": (5, 1), "W2": (1, 5), "b2": (1, 1),
    }  # fmt: skip
    nn.TwoLayerNet(2, 5, 1).load_state_dict(sd)
    assert curves.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    image = matplotlib.image.imread(curves)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    code, _out, _ = _run(
        capsys, "train", "--dataset", "xor", "--epochs", "1", "--hidden", "5",
        "--load", str(weights), "--no-progress",
    )  # fmt: skip
    assert code == 0


def test_progress_bar_shows_loss_and_accuracy(capsys):
    pytest.importorskip("tqdm")
    code, _, err = _run(capsys, "train", "--dataset", "moons", "--epochs", "2")
    assert code == 0 and "loss=" in err and "acc=" in err


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["train", "--dataset", "mnist"], 2, "invalid choice: 'mnist'"),
        (["train", "--lr", "-0.1"], 2, "must be a positive number"),
        (["train", "--epochs", "0"], 2, "must be a positive integer"),
        (["train", "--dataset", "xor", "--load", "no/such/file.npz"], 1, "no such file"),
        (["train", "--dataset", "xor", "--save", "no/such/dir/w.npz"], 1, "does not exist"),
        (["graph", "--out", "no/such/dir/g.dot"], 1, "does not exist"),
        (["frobnicate"], 2, "invalid choice"),
        ([], 2, "required"),
    ],
)
def test_bad_arguments_give_one_line_and_no_traceback(capsys, argv, code, message):
    got, _out, err = _run(capsys, *argv)
    assert got == code
    assert err.count("\n") == 1 and err.startswith("autograd-lite: error: ")
    assert message in err and "Traceback" not in err


def test_loading_weights_of_the_wrong_shape_is_an_error(tmp_path, capsys):
    weights = tmp_path / "w.npz"
    assert main(["train", "--dataset", "xor", "--epochs", "1", "--hidden", "3",
                 "--save", str(weights), "--no-progress"]) == 0  # fmt: skip
    code, _, err = _run(capsys, "train", "--dataset", "xor", "--epochs", "1", "--hidden", "4",
                        "--load", str(weights), "--no-progress")  # fmt: skip
    assert code == 1 and "(3, 2)" in err and "(4, 2)" in err


def test_check_prints_the_gradient_table(capsys):
    code, out, _ = _run(capsys, "check")
    assert code == 0
    rows = [
        line.split()
        for line in out.splitlines()
        if line.split()[:1] in (["sigmoid"], ["tanh"], ["relu"])
    ]
    assert [(r[0], r[1]) for r in rows] == [
        (a, p) for a in ("sigmoid", "tanh", "relu") for p in ("W1", "b1", "W2", "b2")
    ]
    numbers = np.array([[float(x) for x in r[2:]] for r in rows])
    assert numbers.shape == (12, 4)
    assert (numbers[:, 1] < 1e-12).all()  # relative to the closed form
    assert (numbers[:, 3] < 1e-6).all() and (numbers[:, 3] > 0).all()  # finite differences
    assert "all gradients agree" in out


def test_graph_to_stdout_and_file(tmp_path, capsys):
    code, out, _ = _run(capsys, "graph")
    assert code == 0 and out.startswith("digraph autograd {")
    for word in ('"W1\\n', '"b2\\n', "matmul", "tanh", "binary_cross_entropy_with_logits"):
        assert word in out
    path = tmp_path / "g.dot"
    code, _, _ = _run(capsys, "graph", "--out", str(path), "--activation", "relu")
    assert code == 0 and "relu" in path.read_text()


def test_help_exits_zero(capsys):
    assert main(["--help"]) == 0
    assert "train" in capsys.readouterr().out


def test_console_script_and_module_entry_points():
    scripts = importlib.metadata.entry_points(group="console_scripts", name="autograd-lite")
    if scripts:
        assert next(iter(scripts)).value == "autograd_lite.cli:main"
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "train", "--lr", "-1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and "positive" in result.stderr


def test_digits_example_runs(capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "examples" / "digits_classifier.py"
    spec = importlib.util.spec_from_file_location("digits_classifier", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(epochs=2) > 0.9
    assert "epoch  2" in capsys.readouterr().out
