"""The resumable SHA-1 of upload digests (pds_server/storage/openssl_sha1.py): OpenSSL's
SHA_CTX saved and resumed gives hashlib's digest at every split, a state that is not one is
refused before OpenSSL sees it, and the hashing lets the process's other threads run."""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import threading
import time

import pytest

from pds_server.storage import digest as digest_module
from pds_server.storage.digest import ContentDigest, RehashesSha1
from pds_server.storage.openssl_sha1 import NUM_OFFSET, OPENSSL_SHA1_TAG, SHA_CTX_SIZE, OpenSslSha1

DATA = os.urandom(3 * 1024 * 1024 + 77)
pytestmark = pytest.mark.skipif(not OPENSSL_SHA1_TAG, reason="no OpenSSL with the SHA1_ calls here")


def test_this_machine_uses_openssl_for_the_resumable_sha1():
    assert OPENSSL_SHA1_TAG.startswith("openssl")
    assert digest_module.ResumableSha1 is OpenSslSha1
    assert digest_module.SHA1_STATE_TAG == OPENSSL_SHA1_TAG


@pytest.mark.parametrize("split", [0, 1, 63, 64, 65, 1000, 1024 * 1024, len(DATA) - 1, len(DATA)])
def test_a_state_saved_anywhere_resumes_to_hashlibs_digest(split):
    first = OpenSslSha1()
    first.update(DATA[:split])
    state = first.state()
    assert len(state) == SHA_CTX_SIZE
    resumed = OpenSslSha1(state)
    resumed.update(memoryview(DATA)[split:])
    assert resumed.hexdigest() == hashlib.sha1(DATA).hexdigest()


@pytest.mark.parametrize(
    "kind", [bytes, bytearray, lambda data: memoryview(data), lambda data: memoryview(bytearray(data))[5:]]
)
def test_bytes_and_views_of_any_buffer_hash_alike(kind):
    # digest_range hands over views of the one buffer it reads into; a slice of it starts
    # past the buffer's first byte.
    data = kind(DATA)
    sha1 = OpenSslSha1()
    sha1.update(data)
    sha1.update(kind(b""))
    assert sha1.hexdigest() == hashlib.sha1(bytes(data)).hexdigest()


def test_the_digest_so_far_leaves_the_state_as_it_was():
    sha1 = OpenSslSha1()
    sha1.update(DATA[:100])
    assert sha1.hexdigest() == sha1.hexdigest() == hashlib.sha1(DATA[:100]).hexdigest()
    sha1.update(DATA[100:])
    assert sha1.hexdigest() == hashlib.sha1(DATA).hexdigest()


def test_a_state_that_is_not_a_saved_one_is_refused():
    sha1 = OpenSslSha1()
    sha1.update(DATA[:10])
    state = bytearray(sha1.state())
    with pytest.raises(ValueError):
        OpenSslSha1(bytes(state[:-1]))
    # A count past the 64-byte block would make OpenSSL copy outside its struct.
    state[NUM_OFFSET : NUM_OFFSET + 4] = (64).to_bytes(4, sys.byteorder)
    with pytest.raises(ValueError):
        OpenSslSha1(bytes(state))
    digest = ContentDigest(resumable=True)
    digest.update(DATA[:10])
    saved = digest.state()
    saved["sha1"] = base64.b64encode(bytes(state)).decode()
    assert ContentDigest.resumed(saved) is None  # complete then reads the parts again


def in_flight_turns(sha1: OpenSslSha1 | RehashesSha1, data: bytes) -> int:
    """How many times this thread ran while another hashed `data` in one call."""
    entering, done = threading.Event(), threading.Event()

    def hash_it() -> None:
        entering.set()
        try:
            sha1.update(data)
        finally:
            done.set()

    worker = threading.Thread(target=hash_it)
    worker.start()
    assert entering.wait(timeout=60)
    turns = 0
    deadline = time.monotonic() + 60
    while not done.is_set() and time.monotonic() < deadline:
        turns += 1
        time.sleep(0.001)
    worker.join(timeout=60)
    assert done.is_set() and not worker.is_alive(), "the hashing thread did not finish"
    return turns


def test_hashing_lets_the_other_threads_run():
    # The PDS hashes parts on a background thread of a gunicorn worker whose request threads
    # must go on meanwhile. 256 MiB take OpenSSL a good tenth of a second.
    data = bytes(256 * 1024 * 1024)
    assert in_flight_turns(OpenSslSha1(), data) >= 5
    # What the test tells apart: rehashes holds the GIL for the whole call.
    assert in_flight_turns(RehashesSha1(), data) <= 2
