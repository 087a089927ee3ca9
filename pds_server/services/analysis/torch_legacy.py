"""Read a PyTorch state dict saved in the legacy (non-zip) ``torch.save`` format, into numpy arrays, without torch.

The legacy file is a row of pickles followed by raw storage bytes:

1. the magic number 0x1950A86A20F9469CFC6C, 2. the protocol version (1001), 3. a dict of system facts
   (``little_endian``, ``type_sizes``),
4. the object itself (here an ``OrderedDict`` of name -> tensor); each tensor is pickled as a call of
   ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)`` whose storage is a
   *persistent id* ``("storage", torch.FloatStorage, key, location, numel, view)``,
5. the list of storage keys, in the order their bytes follow,
6. for each key: the element count as a little-endian int64, then ``count * element size`` bytes.

Unpickling runs code named in the file, so the unpickler here is restricted: it resolves only the few names above
(to our own harmless stand-ins) and refuses every other global with ``UnsafeWeightsError`` — a file naming, say,
``os.system`` is rejected before anything runs.
"""

from __future__ import annotations

import io
import pickle
import struct
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001


class UnsafeWeightsError(pickle.UnpicklingError):
    """The file names a global we do not allow, or is not a legacy torch file we can read."""


@dataclass(frozen=True)
class _StorageType:
    """Stands in for ``torch.FloatStorage`` and friends: only the element type matters."""

    dtype: np.dtype


_STORAGE_TYPES: dict[str, np.dtype] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


@dataclass
class _StorageRef:
    key: str
    dtype: np.dtype
    offset: int = 0  # in elements, for a view of a root storage
    numel: int = -1  # -1: the whole root storage


@dataclass
class _TensorRef:
    storage: _StorageRef
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, *_extra):
    return _TensorRef(storage, int(storage_offset), tuple(size), tuple(stride))


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _TensorRef(storage, int(storage_offset), tuple(size), tuple(stride))


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *_extra):
    return data


_ALLOWED: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    **{("torch", name): _StorageType(dtype) for name, dtype in _STORAGE_TYPES.items()},
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Builds only dicts, lists, tuples, numbers, strings and the torch names in ``_ALLOWED``."""

    def __init__(self, file: io.BufferedIOBase, storages: dict[str, _StorageRef] | None = None) -> None:
        super().__init__(file)
        self.storages = storages if storages is not None else {}

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafeWeightsError(f"refusing to load the global {module}.{name} from a weights file") from None

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise UnsafeWeightsError(f"unexpected persistent id {pid!r:.80}")
        storage_type, key, _location, numel = pid[1], str(pid[2]), pid[3], pid[4]
        view = pid[5] if len(pid) > 5 else None
        if not isinstance(storage_type, _StorageType):
            raise UnsafeWeightsError("a storage of an unknown type")
        root = self.storages.setdefault(key, _StorageRef(key, storage_type.dtype, 0, int(numel)))
        if view is not None:
            _view_key, view_offset, view_numel = view
            return _StorageRef(key, root.dtype, int(view_offset), int(view_numel))
        return root


def _materialise(obj: Any, data: dict[str, np.ndarray]) -> Any:
    if isinstance(obj, _TensorRef):
        flat = data[obj.storage.key][obj.storage.offset :]
        itemsize = flat.dtype.itemsize
        if not obj.size:
            return flat[obj.offset].copy()
        last = obj.offset + sum((n - 1) * s for n, s in zip(obj.size, obj.stride, strict=True))
        if last >= flat.size or obj.offset < 0 or min(obj.stride) < 0:
            raise UnsafeWeightsError("a tensor reaches outside its storage")
        view = np.lib.stride_tricks.as_strided(
            flat[obj.offset :], shape=obj.size, strides=[s * itemsize for s in obj.stride], writeable=False
        )
        return np.ascontiguousarray(view)
    if isinstance(obj, OrderedDict):
        return OrderedDict((k, _materialise(v, data)) for k, v in obj.items())
    if isinstance(obj, dict):
        return {k: _materialise(v, data) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_materialise(v, data) for v in obj)
    return obj


def load(path: str | Path) -> Any:
    """The object saved in a legacy torch file, its tensors as numpy arrays (state dicts stay ``OrderedDict``)."""
    with open(path, "rb") as file:
        return loads(file)


def loads(file: io.BufferedIOBase) -> Any:
    if _RestrictedUnpickler(file).load() != MAGIC_NUMBER:
        raise UnsafeWeightsError("not a legacy torch file (magic number)")
    if _RestrictedUnpickler(file).load() != PROTOCOL_VERSION:
        raise UnsafeWeightsError("unsupported legacy torch protocol version")
    sys_info = _RestrictedUnpickler(file).load()
    if not isinstance(sys_info, dict) or not sys_info.get("little_endian", True):
        raise UnsafeWeightsError("only little-endian files are supported")
    storages: dict[str, _StorageRef] = {}
    result = _RestrictedUnpickler(file, storages).load()
    keys = _RestrictedUnpickler(file).load()
    if not isinstance(keys, list):
        raise UnsafeWeightsError("missing storage key list")
    data: dict[str, np.ndarray] = {}
    for key in keys:
        storage = storages.get(str(key))
        if storage is None:
            raise UnsafeWeightsError(f"storage {key!r} is not referenced")
        header = file.read(8)
        if len(header) != 8:
            raise UnsafeWeightsError("truncated file")
        (numel,) = struct.unpack("<q", header)
        nbytes = numel * storage.dtype.itemsize
        raw = file.read(nbytes)
        if numel < 0 or len(raw) != nbytes:
            raise UnsafeWeightsError("truncated file")
        data[storage.key] = np.frombuffer(raw, dtype=storage.dtype)
    missing = set(storages) - set(data)
    if missing:
        raise UnsafeWeightsError(f"storages without data: {sorted(missing)[:3]}")
    return _materialise(result, data)
