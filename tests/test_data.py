"""ag.data: DataLoader, preprocessing, generated and bundled data sets."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from autograd_lite import data


def _xy(n=10):
    X = np.arange(n * 3, dtype=float).reshape(n, 3)
    return X, np.arange(n)


# --------------------------------------------------------------------- DataLoader
def test_batches_in_order_cover_everything():
    X, y = _xy(10)
    loader = data.DataLoader(X, y, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [len(b[1]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), X)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)


def test_drop_last():
    X, y = _xy(10)
    loader = data.DataLoader(X, y, batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(b[1]) for b in loader] == [4, 4]
    assert len(data.DataLoader(X, batch_size=5, drop_last=True)) == 2
    assert len(data.DataLoader(X, batch_size=20, drop_last=True)) == 0


def test_shuffle_is_a_fresh_aligned_permutation_each_epoch_and_seeded():
    X, y = _xy(50)
    loader = data.DataLoader(X, y, batch_size=8, shuffle=True, rng=0)
    epochs = []
    for _ in range(2):
        Xs, ys = zip(*loader)
        Xe, ye = np.concatenate(Xs), np.concatenate(ys)
        np.testing.assert_array_equal(np.sort(ye), y)  # each example exactly once
        np.testing.assert_array_equal(Xe, X[ye])  # rows stay paired with their labels
        epochs.append(ye)
    assert not np.array_equal(epochs[0], epochs[1])
    assert not np.array_equal(epochs[0], y)
    again = data.DataLoader(X, y, batch_size=8, shuffle=True, rng=0)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in again]), epochs[0])


def test_loader_validation():
    X, y = _xy(10)
    with pytest.raises(ValueError, match="length"):
        data.DataLoader(X, y[:-1])
    with pytest.raises(ValueError, match="batch_size"):
        data.DataLoader(X, batch_size=0)
    with pytest.raises(ValueError):
        data.DataLoader()


# --------------------------------------------------------------------- preprocessing
def test_standardize_uses_train_statistics():
    rng = np.random.default_rng(0)
    train = rng.normal(3.0, 2.0, size=(100, 4))
    train[:, 2] = 7.0  # a constant column
    test = rng.normal(size=(10, 4))
    a, b = data.standardize(train, test)
    np.testing.assert_allclose(a[:, [0, 1, 3]].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(a[:, [0, 1, 3]].std(axis=0), 1.0)
    np.testing.assert_array_equal(a[:, 2], 0.0)
    mean, std = train.mean(axis=0), train.std(axis=0)
    np.testing.assert_allclose(b[:, 0], (test[:, 0] - mean[0]) / std[0])
    np.testing.assert_allclose(b[:, 2], test[:, 2] - 7.0)


def test_train_test_split_is_a_seeded_partition():
    X, y = _xy(50)
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.2, rng=1)
    assert len(y_te) == 10 and len(y_tr) == 40
    np.testing.assert_array_equal(np.sort(np.concatenate([y_tr, y_te])), y)
    np.testing.assert_array_equal(X_tr, X[y_tr])
    np.testing.assert_array_equal(X_te, X[y_te])
    np.testing.assert_array_equal(data.train_test_split(X, y, 0.2, rng=1)[3], y_te)
    assert not np.array_equal(data.train_test_split(X, y, 0.2, rng=2)[3], y_te)
    with pytest.raises(ValueError):
        data.train_test_split(X, y, test_size=1.5)
    with pytest.raises(ValueError):
        data.train_test_split(X, y[:3])


# --------------------------------------------------------------------- generated sets
def test_moons():
    X, y = data.make_moons(101, noise=0.0, rng=0)
    assert X.shape == (101, 2) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 51]
    np.testing.assert_allclose(np.hypot(X[y == 0, 0], X[y == 0, 1]), 1.0)  # upper unit arc
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    np.testing.assert_array_equal(data.make_moons(rng=3)[0], data.make_moons(rng=3)[0])


def test_spirals():
    X, y = data.make_spirals(40, n_classes=4, rng=0)
    assert X.shape == (160, 2) and np.bincount(y).tolist() == [40] * 4
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1.0 + 1e-12


def test_xor_labels_follow_the_quadrant():
    X, y = data.make_xor(300, noise=0.1, rng=0)
    assert X.shape == (300, 2) and set(y.tolist()) == {0, 1}
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))


# --------------------------------------------------------------------- bundled sets
needs_sklearn = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="needs the examples extra"
)


@needs_sklearn
def test_breast_cancer_and_digits_match_scikit_learn():
    from sklearn import datasets

    for ours, theirs, shape in [
        (data.load_breast_cancer, datasets.load_breast_cancer, (569, 30)),
        (data.load_digits, datasets.load_digits, (1797, 64)),
    ]:
        X, y = ours()
        bunch = theirs()
        assert X.shape == shape and X.dtype == np.float64 and y.dtype == np.int64
        np.testing.assert_array_equal(X, bunch.data)
        np.testing.assert_array_equal(y, bunch.target)


def test_missing_scikit_learn_names_the_extra(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a)
    )
    with pytest.raises(ImportError, match=r"autograd_lite\[examples\]"):
        data.load_digits()


@needs_sklearn
def test_load_dataset_splits_and_standardizes():
    split = data.load_dataset("breast_cancer", seed=0)
    assert split.X_train.shape == (455, 30) and split.X_test.shape == (114, 30)
    assert split.n_classes == 2
    np.testing.assert_allclose(split.X_train.mean(axis=0), 0.0, atol=1e-10)
    assert data.load_dataset("digits").n_classes == 10


def test_load_dataset_generated_and_unknown():
    split = data.load_dataset("spirals", test_size=0.25, seed=1)
    assert split.n_classes == 3 and len(split.y_test) == 75
    with pytest.raises(ValueError, match="unknown data set 'mnist'"):
        data.load_dataset("mnist")
