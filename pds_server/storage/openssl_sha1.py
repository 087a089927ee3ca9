"""SHA-1 whose state can be saved and resumed, from the OpenSSL library that Python's hashlib
already loaded, called through ctypes. The state is OpenSSL's SHA_CTX, a public struct of
its ABI (<openssl/sha.h>: five 32-bit chaining words, the length in two 32-bit words, a
64-byte block and the count of bytes in it: 96 bytes), unchanged since OpenSSL 0.9.

Why not `rehashes` (still used where the library lacks these calls): it holds the GIL while
it hashes. The PDS hashes an upload's parts on a background thread of its gthread worker,
and with the GIL held a megabyte at a time the worker's request threads lost it at every
switch: in the benchmark the next part's request waited up to 0.2 s before it reached the
view. ctypes releases the GIL for each call, and OpenSSL's SHA-1 is as fast (SHA-NI where
the CPU has it).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import logging
import sys
from collections.abc import Iterator

log = logging.getLogger(__name__)

SHA_CTX_SIZE = 96
SHA_CBLOCK = 64
NUM_OFFSET = 92  # `unsigned int num`: bytes of the current block held in `data`


def openssl_libraries() -> Iterator[str]:
    """Where to look for the SHA1_ calls, hashlib's own libcrypto first: symbols looked up
    through the handle of hashlib's extension come from the libraries it links, so they are
    never another copy a wheel vendored (psycopg's libcrypto-<hash>.so.3), nor a file an
    upgrade replaced on disk after this process mapped the old one. Then the system's."""
    try:
        import _hashlib

        yield _hashlib.__file__
    except (ImportError, AttributeError):  # a Python whose hashlib is not OpenSSL's
        pass
    system = ctypes.util.find_library("crypto")
    if system:
        yield system


def load() -> tuple[ctypes.CDLL | None, str]:
    """The library and the tag of its states, or (None, "") when it cannot be used: missing,
    built without the SHA1_ calls, or failing the known answers below."""
    for path in openssl_libraries():
        try:
            lib = ctypes.CDLL(path)  # CDLL: every call releases the GIL
            init, update, final, version = lib.SHA1_Init, lib.SHA1_Update, lib.SHA1_Final, lib.OpenSSL_version_num
        except (OSError, AttributeError):
            continue
        init.argtypes, init.restype = [ctypes.c_void_p], ctypes.c_int
        update.argtypes, update.restype = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t], ctypes.c_int
        final.argtypes, final.restype = [ctypes.c_char_p, ctypes.c_void_p], ctypes.c_int
        version.argtypes, version.restype = [], ctypes.c_ulong
        if known_answers(lib):
            # The struct holds native-endian words: a state of another byte order is another's.
            return lib, f"openssl{version() >> 28}-sha1-ctx-{sys.byteorder}"
    log.warning("OpenSSL's SHA1_ calls are not available: upload digests use rehashes, which holds the GIL")
    return None, ""


def known_answers(lib: ctypes.CDLL) -> bool:
    """The struct is as large as declared (a kibibyte of guard bytes after it untouched) and
    a state saved mid-block and resumed in another buffer gives hashlib's digest."""
    guard = 1024
    guarded = ctypes.create_string_buffer(b"\xa5" * (SHA_CTX_SIZE + guard), SHA_CTX_SIZE + guard)
    data = bytes(range(256)) * 3
    lib.SHA1_Init(guarded)
    lib.SHA1_Update(guarded, data[:100], 100)
    if guarded.raw[SHA_CTX_SIZE:] != b"\xa5" * guard or num_of(guarded.raw[:SHA_CTX_SIZE]) != 100 - SHA_CBLOCK:
        return False
    resumed = ctypes.create_string_buffer(guarded.raw[:SHA_CTX_SIZE], SHA_CTX_SIZE)
    lib.SHA1_Update(resumed, data[100:], len(data) - 100)
    out = ctypes.create_string_buffer(20)
    lib.SHA1_Final(out, resumed)
    return out.raw == hashlib.sha1(data).digest()


def num_of(state: bytes) -> int:
    return int.from_bytes(state[NUM_OFFSET : NUM_OFFSET + 4], sys.byteorder)


LIB, OPENSSL_SHA1_TAG = load()


class OpenSslSha1:
    """SHA-1 whose state can be saved and resumed (96 bytes); hashes without the GIL. Like
    the state it wraps, an instance is not for two threads at once (none is shared)."""

    def __init__(self, state: bytes | None = None):
        assert LIB is not None, "OpenSSL's SHA1_ calls are not available"
        if state is None:
            self.ctx = ctypes.create_string_buffer(SHA_CTX_SIZE)
            LIB.SHA1_Init(self.ctx)
            return
        # A count past the block would make OpenSSL copy outside the struct.
        if len(state) != SHA_CTX_SIZE or num_of(state) >= SHA_CBLOCK:
            raise ValueError("not a saved SHA-1 state")
        self.ctx = ctypes.create_string_buffer(bytes(state), SHA_CTX_SIZE)

    def update(self, data: bytes | memoryview, /) -> None:
        """Hash `data` where it lies: bytes, or a view of a writable buffer (the read buffer
        digest_range reuses); a read-only view other than bytes is copied first."""
        if type(data) is bytes:
            LIB.SHA1_Update(self.ctx, data, len(data))  # type: ignore[union-attr]
            return
        view = memoryview(data).cast("B")
        if view.readonly:
            chunk = bytes(view)
            LIB.SHA1_Update(self.ctx, chunk, len(chunk))  # type: ignore[union-attr]
        elif view.nbytes:
            LIB.SHA1_Update(self.ctx, ctypes.addressof(ctypes.c_char.from_buffer(view)), view.nbytes)  # type: ignore[union-attr]

    def hexdigest(self) -> str:
        """The digest so far; the state is left as it was (Final runs on a copy)."""
        finished = ctypes.create_string_buffer(self.ctx.raw, SHA_CTX_SIZE)
        out = ctypes.create_string_buffer(20)
        LIB.SHA1_Final(out, finished)  # type: ignore[union-attr]
        return out.raw.hex()

    def state(self) -> bytes:
        return self.ctx.raw
