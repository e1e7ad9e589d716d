"""Saving and loading state dicts as ``.npz`` archives, never unpickling anything.

A dict of arrays (``model.state_dict()``) is stored as one ``.npy`` member per key, as
``np.savez`` does.  Anything else (``optimizer.state_dict()``, a scheduler's, or a dict
holding several of them) is stored as its arrays, under generated member names, plus
one more member, ``__structure__.json``: a JSON document (as a ``uint8`` array) that
describes the nesting of dicts, lists and tuples and holds the numbers, strings, bools
and ``None`` of the leaves.  Loading parses JSON and reads arrays with
``allow_pickle=False``, so a file can never run code.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._tensor import Tensor

__all__ = ["load", "save"]

PathLike = str | os.PathLike[str]

STRUCTURE = "__structure__.json"
_FORMAT = "autograd_lite.nested"
_VERSION = 1
_NUMERIC = "biufc"
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def save(state_dict: Mapping[str, Any], path: PathLike) -> None:
    """Write a state dict (of a model, an optimizer, a scheduler, or nested) to a ``.npz`` file.

    ``name -> array`` (e.g. ``model.state_dict()``) is written as one array per name,
    readable by ``np.load``.  Any other content is written as its arrays plus a JSON
    description of the structure, and :func:`load` gives back the same structure: dicts
    (with string or int keys, in their order), lists, tuples, ints, floats (``nan`` and
    infinities included), bools, strings, ``None``, NumPy scalars, and arrays (a Tensor is
    saved as its array), with the same dtypes and shapes.

    The file is written at ``path`` exactly (no suffix is added) and replaced atomically,
    so an interrupted save never leaves a half-written file behind.

    Parameters
    ----------
    state_dict
        A dict with string keys.
    path
        Destination file.

    Raises
    ------
    TypeError
        For a non-string key at the top, a key that is neither a string nor an int
        further down, an array that is not numeric (object arrays would need pickling,
        which :func:`load` refuses), or a value of another type; the message names where
        it is.
    ValueError
        If the structure contains itself.
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
    >>> ag.save({"state": {0: {"step": 3}}, "betas": (0.9, 0.999)}, path)
    >>> ag.load(path)
    {'state': {0: {'step': 3}}, 'betas': (0.9, 0.999)}
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"save: expected a dict with string keys, got {type(state_dict).__name__}")
    for key in state_dict:
        if not isinstance(key, str):
            raise TypeError(f"save: keys of the saved dict must be strings, got {key!r}")
    arrays = _flat_arrays(state_dict)
    if arrays is None:
        arrays = {}
        root = _encode(state_dict, "", arrays, set())
        document = {"format": _FORMAT, "version": _VERSION, "root": root}
        text = json.dumps(document, allow_nan=False, separators=(",", ":"))
        arrays[STRUCTURE] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    _write(arrays, path)


def _flat_arrays(state_dict: Mapping[str, Any]) -> dict[str, NDArray[Any]] | None:
    """The arrays of a plain ``name -> array`` dict, or None if it holds anything else."""
    arrays = {}
    for key, value in state_dict.items():
        if key == STRUCTURE or not isinstance(value, (np.ndarray, Tensor)):
            return None
        arrays[key] = _numeric(value, repr(key))
    return arrays


def _numeric(value: np.ndarray | Tensor | np.generic, where: str) -> NDArray[Any]:
    arr = value.data if isinstance(value, Tensor) else np.asarray(value)
    if arr.dtype.kind not in _NUMERIC:
        raise TypeError(f"save: {where} has dtype {arr.dtype}; only numeric arrays are saved")
    return arr


def _encode(obj: Any, where: str, arrays: dict[str, NDArray[Any]], active: set[int]) -> Any:
    """The JSON form of ``obj``; its arrays go to ``arrays`` under generated names.

    Numbers, strings, bools and None are themselves; a list is a JSON list; everything
    else is a JSON object with one key that says what it is.
    """
    if obj is None or isinstance(obj, (bool, str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"float": repr(obj)}
    if isinstance(obj, (np.ndarray, Tensor, np.generic)):
        name = f"a{len(arrays)}"
        arrays[name] = _numeric(obj, where or "the value")
        return {"scalar" if isinstance(obj, np.generic) else "array": name}
    if not isinstance(obj, (Mapping, list, tuple)):
        raise TypeError(
            f"save: {where or 'the value'} is a {type(obj).__name__}; only dicts, lists, "
            "tuples, numbers, strings, bools, None and arrays are saved"
        )
    if id(obj) in active:
        raise ValueError(f"save: {where} contains itself")
    active.add(id(obj))
    try:
        if isinstance(obj, Mapping):
            items = []
            for key, value in obj.items():
                if isinstance(key, bool) or not isinstance(key, (str, int)):
                    raise TypeError(
                        f"save: {where or 'the dict'} has the key {key!r}; keys must be "
                        "strings or ints"
                    )
                items.append([key, _encode(value, f"{where}[{key!r}]", arrays, active)])
            return {"dict": items}
        encoded = [_encode(v, f"{where}[{i}]", arrays, active) for i, v in enumerate(obj)]
        return encoded if isinstance(obj, list) else {"tuple": encoded}
    finally:
        active.discard(id(obj))


def _write(arrays: dict[str, NDArray[Any]], path: PathLike) -> None:
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: directory {directory!r} does not exist")
    fd, tmp = tempfile.mkstemp(suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            # The archive np.savez writes, without its keyword arguments: names such as
            # "file" or "allow_pickle" are keys like any other.
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
                for name, arr in arrays.items():
                    with zf.open(name + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, np.asarray(arr), allow_pickle=False)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def load(path: PathLike) -> dict[str, Any]:
    """Read a file written by :func:`save`: the dict of arrays, or the nested state, it held.

    Pickled content is never executed: arrays are read with ``allow_pickle=False`` and the
    structure of nested state is JSON.  Files written before nested state was supported
    (and any ``.npz`` of numeric arrays) load as a dict of arrays.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a readable ``.npz`` archive: truncated or corrupt, a plain
        ``.npy`` array, an archive holding pickled (object) arrays, or one whose
        structure member is malformed (the message names the file).
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
                if STRUCTURE not in archive.files:
                    return {name: archive[name] for name in archive.files}
                return _Decoder(archive).document(archive[STRUCTURE])
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"load: cannot read {target!r} as a state dict: {exc}") from exc


class _Malformed(ValueError):
    def __init__(self, what: str) -> None:
        super().__init__(f"its {STRUCTURE} member is malformed: {what}")


class _Decoder:
    """Rebuilds the saved structure from the JSON document and the archive's arrays."""

    def __init__(self, archive: Any) -> None:
        self.archive = archive
        self.names = set(archive.files) - {STRUCTURE}

    def document(self, raw: NDArray[Any]) -> dict[str, Any]:
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise _Malformed(f"expected a 1-d uint8 array, got {raw.dtype} of shape {raw.shape}")
        try:
            document = json.loads(raw.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise _Malformed(f"not JSON text ({exc})") from None
        if not isinstance(document, dict):
            raise _Malformed(f"the document is {_short(document)}, not a JSON object")
        if document.get("format") != _FORMAT:
            raise _Malformed(f"its format is {document.get('format')!r}, not {_FORMAT!r}")
        version = document.get("version")
        if version != _VERSION:
            raise _Malformed(f"version {version!r}; this version of autograd_lite reads {_VERSION}")
        if "root" not in document:
            raise _Malformed("no root")
        try:
            root = self.node(document["root"])
        except RecursionError:
            raise _Malformed("nested too deeply") from None
        if not isinstance(root, dict):
            raise _Malformed(f"the saved value is a {type(root).__name__}, not a dict")
        return root

    def node(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        if isinstance(node, list):
            return [self.node(x) for x in node]
        if not isinstance(node, dict) or len(node) != 1:
            raise _Malformed(f"unexpected entry {_short(node)}")
        ((tag, body),) = node.items()
        if tag == "dict" and isinstance(body, list):
            return self.mapping(body)
        if tag == "tuple" and isinstance(body, list):
            return tuple(self.node(x) for x in body)
        if tag == "float" and body in _NONFINITE:
            return _NONFINITE[body]
        if tag in ("array", "scalar") and isinstance(body, str):
            if body not in self.names:
                raise _Malformed(f"it refers to the array {body!r}, which the archive lacks")
            arr = self.archive[body]
            if tag == "array":
                return arr
            if arr.ndim != 0:
                raise _Malformed(f"the scalar {body!r} has shape {arr.shape}")
            return arr[()]
        raise _Malformed(f"unexpected entry {_short(node)}")

    def mapping(self, items: list[Any]) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for item in items:
            if not (isinstance(item, list) and len(item) == 2):
                raise _Malformed(f"a dict entry is {_short(item)}, not a [key, value] pair")
            key, value = item
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise _Malformed(f"a dict key is {_short(key)}, not a string or an int")
            if key in out:
                raise _Malformed(f"the dict key {key!r} appears twice")
            out[key] = self.node(value)
        return out


def _short(x: Any) -> str:
    text = json.dumps(x)
    return text if len(text) <= 60 else text[:57] + "..."
