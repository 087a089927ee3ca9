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
import os
import sys

SHA_CTX_SIZE = 96
SHA_CBLOCK = 64
NUM_OFFSET = 92  # `unsigned int num`: bytes of the current block held in `data`


def loaded_libcrypto() -> str | None:
    """The libcrypto this process has mapped under OpenSSL's own name (hashlib's), rather
    than a copy a wheel vendored under a name of its own (psycopg's
    libcrypto-<hash>.so.3); else any mapped one; else the system's."""
    mapped: list[str] = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and "/libcrypto" in fields[5]:
                    mapped.append(fields[5].strip())
    except OSError:
        pass
    own_name = [path for path in mapped if os.path.basename(path).startswith("libcrypto.so")]
    return (own_name or mapped or [ctypes.util.find_library("crypto")])[0]


def load() -> tuple[ctypes.CDLL | None, str]:
    """The library and the tag of its states, or (None, "") when it cannot be used: missing,
    built without the SHA1_ calls, or failing the known answers below."""
    hashlib.sha1()  # makes sure hashlib's libcrypto is loaded
    path = loaded_libcrypto()
    if path is None:
        return None, ""
    try:
        lib = ctypes.CDLL(path)  # CDLL: every call releases the GIL
        init, update, final, version = lib.SHA1_Init, lib.SHA1_Update, lib.SHA1_Final, lib.OpenSSL_version_num
    except (OSError, AttributeError):
        return None, ""
    init.argtypes, init.restype = [ctypes.c_void_p], ctypes.c_int
    update.argtypes, update.restype = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t], ctypes.c_int
    final.argtypes, final.restype = [ctypes.c_char_p, ctypes.c_void_p], ctypes.c_int
    version.argtypes, version.restype = [], ctypes.c_ulong
    if not known_answers(lib):
        return None, ""
    return lib, f"openssl{version() >> 28}-sha1-ctx"


def known_answers(lib: ctypes.CDLL) -> bool:
    """The struct is as large as declared (bytes after it untouched) and a state saved
    mid-block and resumed in another buffer gives hashlib's digest."""
    guarded = ctypes.create_string_buffer(b"\xa5" * (SHA_CTX_SIZE + 32), SHA_CTX_SIZE + 32)
    data = bytes(range(256)) * 3
    lib.SHA1_Init(guarded)
    lib.SHA1_Update(guarded, data[:100], 100)
    if guarded.raw[SHA_CTX_SIZE:] != b"\xa5" * 32 or num_of(guarded.raw[:SHA_CTX_SIZE]) != 100 - SHA_CBLOCK:
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
    """SHA-1 whose state can be saved and resumed (96 bytes); hashes without the GIL."""

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
