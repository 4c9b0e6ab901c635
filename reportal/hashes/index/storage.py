"""One-file container for index arrays: a JSON header, then page-aligned raw arrays that load by mmap.

Several matcher processes map the same file read-only, so the operating system keeps one copy in its page
cache for all of them, and loading costs no parsing: arrays are views into the mapping.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"REPORTAL-INDEX\n\x00"
_ALIGN = 4096
_HEADER_LEN = struct.Struct("<Q")


class IndexFileError(ValueError):
    """An index file that is missing, truncated, of another kind or of another version; rebuild it."""


def _aligned(offset: int) -> int:
    return (offset + _ALIGN - 1) // _ALIGN * _ALIGN


def write_arrays(path: str | Path, kind: str, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write `arrays` and `meta` to `path` atomically (a sibling temporary file, then a rename)."""
    path = Path(path)
    layout: dict[str, dict[str, Any]] = {}
    # The header size depends on the offsets it lists, so lay out twice with a generous header reservation.
    reserve = _ALIGN
    while True:
        offset = _aligned(len(MAGIC) + _HEADER_LEN.size + reserve)
        for name, array in arrays.items():
            layout[name] = {"offset": offset, "dtype": array.dtype.str, "shape": list(array.shape)}
            offset = _aligned(offset + array.nbytes)
        header = json.dumps({"kind": kind, "meta": meta, "arrays": layout}).encode()
        if len(header) <= reserve:
            break
        reserve = _aligned(len(header))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(tmp, "wb") as fh:
            fh.write(MAGIC)
            fh.write(_HEADER_LEN.pack(len(header)))
            fh.write(header)
            for name, array in arrays.items():
                fh.seek(layout[name]["offset"])
                # Written in slices so a 10M-entry table never needs a second copy in memory.
                flat = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
                step = 64 << 20
                for start in range(0, flat.size, step):
                    fh.write(flat[start : start + step].data)
            fh.truncate(offset)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_arrays(path: str | Path, kind: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Map `path` read-only and return its arrays (views into the mapping) and its meta dict."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - the mapping outlives the file object
    except OSError as exc:
        raise IndexFileError(f"The index file {path} cannot be opened ({exc}); rebuild the index.") from exc
    with fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(len(MAGIC) + _HEADER_LEN.size)
        if len(head) < len(MAGIC) + _HEADER_LEN.size or head[: len(MAGIC)] != MAGIC:
            raise IndexFileError(f"{path} is not a reportal index file; rebuild the index.")
        (header_len,) = _HEADER_LEN.unpack(head[len(MAGIC) :])
        try:
            header = json.loads(fh.read(header_len))
        except ValueError as exc:
            raise IndexFileError(f"The header of {path} is damaged; rebuild the index.") from exc
        if header.get("kind") != kind:
            raise IndexFileError(f"{path} holds a {header.get('kind')!r} index, not {kind!r}; rebuild the index.")
        mapping = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
    arrays: dict[str, np.ndarray] = {}
    for name, spec in header["arrays"].items():
        dtype = np.dtype(spec["dtype"])
        shape = tuple(int(s) for s in spec["shape"])
        count = int(np.prod(shape, dtype=np.int64))
        end = int(spec["offset"]) + count * dtype.itemsize
        if end > size:
            raise IndexFileError(f"{path} is truncated ({size} bytes, {end} needed); rebuild the index.")
        if count == 0 or mapping is None:
            arrays[name] = np.zeros(shape, dtype=dtype)
        else:
            arrays[name] = np.frombuffer(mapping, dtype=dtype, count=count, offset=int(spec["offset"])).reshape(shape)
    if mapping is not None and hasattr(mapping, "madvise"):
        # Start reading the file into the page cache now rather than on the first look-ups.
        mapping.madvise(mmap.MADV_WILLNEED)
    return arrays, header.get("meta", {})
