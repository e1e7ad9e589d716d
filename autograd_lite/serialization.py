"""Saving and loading state dicts as ``.npz`` archives, never unpickling anything."""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._tensor import Tensor

__all__ = ["load", "save"]

PathLike = str | os.PathLike[str]


def save(state_dict: Mapping[str, ArrayLike], path: PathLike) -> None:
    """Write ``name -> array`` (e.g. ``model.state_dict()``) to an uncompressed ``.npz`` file.

    The file is written at ``path`` exactly (no suffix is added) and replaced atomically,
    so an interrupted save never leaves a half-written file behind.

    Parameters
    ----------
    state_dict
        String keys; arrays, Tensors or numbers as values (numeric or bool dtypes).
    path
        Destination file.

    Raises
    ------
    TypeError
        For a non-string key or a value that is not numeric (object arrays would need
        pickling, which :func:`load` refuses).
    FileNotFoundError
        If the destination directory does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import autograd_lite as ag
    >>> path = os.path.join(tempfile.mkdtemp(), "weights.npz")
    >>> ag.save({"w": np.array([1.0, 2.0])}, path)
    >>> ag.load(path)
    {'w': array([1., 2.])}
    """
    arrays: dict[str, NDArray[Any]] = {}
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise TypeError(f"save: keys must be strings, got {key!r}")
        arr = value.data if isinstance(value, Tensor) else np.asarray(value)
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"save: '{key}' has dtype {arr.dtype}; only numeric arrays are saved")
        arrays[key] = arr
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: directory {directory!r} does not exist")
    fd, tmp = tempfile.mkstemp(suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            savez: Any = np.savez  # its stub types **kwds as the allow_pickle flag
            savez(f, **arrays)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def load(path: PathLike) -> dict[str, NDArray[Any]]:
    """Read a ``.npz`` file written by :func:`save` into a ``dict`` of arrays.

    Pickled content is never executed: the file is opened with ``allow_pickle=False``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a readable ``.npz`` archive: truncated or corrupt, a plain
        ``.npy`` array, or an archive holding pickled (object) arrays.
    """
    target = os.fspath(path)
    if not os.path.exists(target):
        raise FileNotFoundError(f"load: no such file: {target!r}")
    try:
        # Opened here, not by np.load, so that the file is closed whatever np.load raises.
        with open(target, "rb") as f:
            archive = np.load(f, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ValueError("it holds a single array, not a .npz archive of named arrays")
            with archive:
                return {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"load: cannot read {target!r} as a state dict: {exc}") from exc
