"""The digest chain of an upload: the SHA-1, CRC-64/XZ, size and first KiB of its parts
1..k, kept on the Upload row between part requests, so that `complete` need not read the
parts again when they have all been hashed on arrival.

A part that arrives when the chain covers every part before it is hashed as it streams; the
parts stored after it are read once from storage (the page cache, on local disk) by one
process at a time (chain_advance). The state records the storage names and sizes of the
parts it covers (folded into one key; a part's file is never rewritten, so its name names
its bytes) and the hashing library's version.

The chain only moves forward by an update conditional on the `digest_through` and
`digest_epoch` it started from, under the upload row's lock (taken before any part row's,
as `part_store` and `complete` do). A part sent again for a number the chain covers resets
it and bumps the epoch. A lost race, a killed process, a state of another library version:
each only leaves the chain short, and `complete` then digests the parts in one pass.

On local disk the covered parts are also copied, in order, into a scratch file
(`assembled_through`), so that `complete` need not copy them either: from the same read
under the scratch file's lock where it holds every covered part (chain_step_assembling),
else once covered (assembly_advance)."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum

from pds_server.models import Upload, UploadPart
from pds_server.routers import PDS_DB
from pds_server.services.background import BackgroundThread
from pds_server.storage import BlobStore, blob_store
from pds_server.storage.base import SCRATCH_PREFIX
from pds_server.storage.digest import ContentDigest

log = logging.getLogger(__name__)


@dataclass
class Chain:
    digest: ContentDigest  # of parts 1..through
    key: str  # their names and sizes, folded
    through: int
    epoch: int


def chain_key(key: str, name: str, size: int) -> str:
    return hashlib.sha256(f"{key}\n{name}\n{size}".encode()).hexdigest()


def chain_of(*, through: int, epoch: int, state: bytes | memoryview | None) -> Chain | None:
    """The chain a row holds; None when it cannot be resumed."""
    if through == 0:
        return Chain(ContentDigest(resumable=True), "", 0, epoch)
    if state is None:
        return None
    try:
        values = json.loads(bytes(state))
        digest = ContentDigest.resumed(values)
        key = str(values["parts"])
    except (ValueError, TypeError, KeyError):
        return None
    return None if digest is None else Chain(digest, key, through, epoch)


def chain_state(chain: Chain, *, name: str, size: int) -> bytes:
    """The state of `chain` once it also covers the part stored as `name`."""
    return json.dumps({**chain.digest.state(), "parts": chain_key(chain.key, name, size)}).encode()


def chain_for_part(upload: Upload, part_number: int) -> Chain | None:
    """The chain to carry on while part `part_number` streams: only when it covers exactly
    the parts before it."""
    if upload.digest_through != part_number - 1:
        return None
    return chain_of(through=upload.digest_through, epoch=upload.digest_epoch, state=upload.digest_state)


def upload_folder_named(upload_id: str) -> str:
    """Where an upload's parts are stored (services/uploads.upload_folder)."""
    return f"uploads/{upload_id}"


def scratch_name(upload_id: str, epoch: int) -> str:
    """Where the parts the chain covers are copied, one after another, on local disk. Not in
    the upload's folder: a file of its own, under a name fsck knows for a temporary one."""
    return f"uploads/{SCRATCH_PREFIX}{upload_id}-{epoch}"


class ChainMoved(Exception):
    """The upload row's chain was not where the row lock said: the part's record is undone."""


# What `chain_step` did: carried the chain over one part; found another request had carried
# it further (go on from there); found a part sent again (go on, a few times at most);
# or stopped (a part missing, the chain whole, a state it cannot resume).
ADVANCED, OVERTAKEN, CHANGED, STOPPED = "advanced", "overtaken", "changed", "stopped"
CHANGES_TOLERATED = 3
ROUNDS = 3  # a holder's looks, once it lets go, for parts left to it (chain_advance)


def chain_record(
    upload: Upload,
    locked: tuple[int, int],
    *,
    part_number: int,
    name: str,
    size: int,
    chain: Chain | None,
    replaced: bool,
) -> None:
    """In the transaction that records part `part_number` as `name`, with the upload row
    locked (`locked`: its digest_through and digest_epoch): carry the chain over the part
    when it was hashed as it streamed, or reset the chain when the part replaces one it
    covered."""
    through, epoch = locked
    # Conditional on the values read under the lock: SQLite has no row lock (its write
    # transactions are serial instead), and a reset must never be lost.
    rows = Upload.objects.filter(pk=upload.pk, digest_through=through, digest_epoch=epoch)
    if replaced and part_number <= through:
        if not rows.update(digest_through=0, digest_state=None, digest_epoch=epoch + 1, assembled_through=0):
            raise ChainMoved(f"the digest chain of upload {upload.upload_id} moved under the upload's lock")
        dead = scratch_name(upload.upload_id, epoch)
        transaction.on_commit(lambda: blob_store().delete(dead), using=PDS_DB)
    elif chain is not None and (chain.through, chain.epoch) == (through, epoch) and through == part_number - 1:
        rows.update(digest_through=part_number, digest_state=chain_state(chain, name=name, size=size))


def chain_advance(upload_pk: int, upload_id: str, *, wait: bool = True) -> None:
    """Carry the chain over the parts already stored after it, one at a time, each read
    once from storage, and copy the parts it covers into the scratch file. When another
    request moved the chain meanwhile, go on from where it left it; stop at the first part
    missing.

    One process at a time, under the upload folder's lock: parts sent three at a time reach
    different workers, whose digest threads hashed the same next part, all but one in vain.
    `complete` waits for the lock; a digest thread (`wait` False) leaves the part to the
    holder instead of holding up other uploads' jobs, and the holder looks again for parts
    stored after the chain once it lets go (ROUNDS)."""
    store = blob_store()
    for _round in range(ROUNDS):
        with store.folder_locked(upload_folder_named(upload_id), wait=wait) as held:
            if not held:  # gone with its upload (complete, discard), or carried by another process
                return
            chain_steps(store, upload_pk)
        if wait or not next_part_stored(upload_pk):
            return


def next_part_stored(upload_pk: int) -> bool:
    """Whether the part after the chain is stored (and the upload open)."""
    open_rows = Upload.objects.filter(pk=upload_pk, completed_at__isnull=True)
    through = open_rows.values_list("digest_through", flat=True).first()
    return through is not None and UploadPart.objects.filter(upload_id=upload_pk, part_number=through + 1).exists()


def chain_steps(store: BlobStore, upload_pk: int) -> None:
    changes = 0
    while True:
        step = chain_step(store, upload_pk)
        if step == STOPPED:
            break
        if step == CHANGED:
            changes += 1
            if changes > CHANGES_TOLERATED:
                break
            continue
        if step == ADVANCED:
            assembly_advance(store, upload_pk)
    assembly_advance(store, upload_pk)


def chain_step(store: BlobStore, upload_pk: int) -> str:
    """Carry the chain over the next part if it is stored; what it did (ADVANCED, ...).
    Where the scratch file holds every part the chain covers, the part is copied into it
    from the same read (chain_step_assembling)."""
    row = (
        Upload.objects.filter(pk=upload_pk, completed_at__isnull=True)
        .values_list("digest_through", "digest_epoch", "digest_state", "part_count", "assembled_through", "upload_id")
        .first()
    )
    if row is None or row[0] >= row[3]:
        return STOPPED
    through, epoch, state, part_count, assembled, upload_id = row
    chain = chain_of(through=through, epoch=epoch, state=state)
    number = through + 1
    found = (
        UploadPart.objects.filter(upload_id=upload_pk, part_number=number).values_list("storage_name", "size").first()
    )
    if chain is None or found is None:
        return STOPPED
    name, size = found
    if store.assembles and part_count > 1 and through >= 1 and assembled == through:
        with store.scratch_writable(scratch_name(upload_id, epoch)) as scratch_fd:
            if scratch_fd is not None:
                step = chain_step_assembling(store, upload_pk, chain, name, size, scratch_fd)
                if step is not None:
                    return step
    start = chain.digest.size
    try:
        store.digest_stored(name, chain.digest)
    except Exception as error:
        if store.is_missing(error):
            return CHANGED  # sent again meanwhile: look at the part afresh
        raise
    if chain.digest.size != start + size:
        return STOPPED
    return chain_commit(upload_pk, chain, name=name, size=size, assembled=False)


def chain_step_assembling(
    store: BlobStore, upload_pk: int, chain: Chain, name: str, size: int, scratch_fd: int
) -> str | None:
    """chain_step's digest of part `name` when the scratch file (open as `scratch_fd`, its
    lock held) holds every part the chain covers: the part is copied after them from the
    same read, and the row moves both on at once. The lock is held from the check of the
    row to its update, so a copy of a part that was sent again meanwhile (its update then
    fails) is always followed by the copy of the part that replaced it, never the other way
    round; and no complete takes the file in between. None: no room for the copy (the part
    is then only digested); STOPPED: the disk filled during it (complete reads the parts)."""
    number = chain.through + 1
    row = Upload.objects.filter(pk=upload_pk, completed_at__isnull=True).values_list(
        "digest_through", "digest_epoch", "assembled_through"
    )
    if row.first() != (chain.through, chain.epoch, chain.through):
        return after_moved(upload_pk, chain)  # carried on by another request before we had the lock
    if not UploadPart.objects.filter(upload_id=upload_pk, part_number=number, storage_name=name).exists():
        return CHANGED
    start = chain.digest.size
    try:
        if not store.digest_assembled(name, chain.digest, scratch_fd, start):
            return None if chain.digest.size == start else STOPPED  # a disk that filled midway
    except Exception as error:
        if store.is_missing(error):
            return CHANGED
        raise
    if chain.digest.size != start + size:
        return STOPPED
    return chain_commit(upload_pk, chain, name=name, size=size, assembled=True)


def after_moved(upload_pk: int, chain: Chain) -> str:
    now = Upload.objects.filter(pk=upload_pk).values_list("digest_through", "digest_epoch").first()
    return OVERTAKEN if now is not None and now[1] == chain.epoch and now[0] > chain.through else CHANGED


def chain_commit(upload_pk: int, chain: Chain, *, name: str, size: int, assembled: bool) -> str:
    """Move the row's chain over part `name` (and, `assembled`, its copy ahead with it),
    from where `chain` found it, under the row's lock."""
    number = chain.through + 1
    with transaction.atomic(using=PDS_DB):
        locked = (
            Upload.objects.select_for_update()
            .filter(pk=upload_pk)
            .values_list("digest_through", "digest_epoch")
            .first()
        )
        if locked is not None and locked[1] == chain.epoch and locked[0] > chain.through:
            return OVERTAKEN  # another request carried it further: go on from there
        part = UploadPart.objects.filter(upload_id=upload_pk, part_number=number, storage_name=name)
        if locked != (chain.through, chain.epoch) or not part.exists():
            return CHANGED
        rows = Upload.objects.filter(pk=upload_pk, digest_through=chain.through, digest_epoch=chain.epoch)
        changes: dict[str, object] = {
            "digest_through": number,
            "digest_state": chain_state(chain, name=name, size=size),
        }
        if assembled:
            rows = rows.filter(assembled_through=chain.through)
            changes["assembled_through"] = number
        moved = rows.update(**changes)
    return ADVANCED if moved else CHANGED


def covered_parts(upload_pk: int, *, after: int, through: int) -> list[tuple[int, str, int]]:
    """The number, storage name and size of the parts after `after` up to `through`."""
    parts = UploadPart.objects.filter(upload_id=upload_pk, part_number__gt=after, part_number__lte=through)
    return list(parts.order_by("part_number").values_list("part_number", "storage_name", "size"))


def assembly_advance(store: BlobStore, upload_pk: int) -> None:
    """Copy the parts the chain covers and the scratch file lacks into it (local disk).
    Within an epoch the covered parts never change, so two processes at it write the same
    bytes to the same place; `assembled_through` moves only once a part's copy is whole.
    The parts are listed after the row is read: a part sent again in between would show its
    new file, so each copy starts only once the row is seen still in that epoch with that
    part (a part sent again for a covered number ends the epoch)."""
    row = (
        Upload.objects.filter(pk=upload_pk, completed_at__isnull=True)
        .values_list("upload_id", "digest_through", "digest_epoch", "assembled_through", "part_count")
        .first()
    )
    if row is None or not store.assembles or row[3] >= row[1] or row[4] == 1:  # one part is its own blob
        return
    upload_id, through, epoch, assembled, _ = row
    parts = UploadPart.objects.filter(upload_id=upload_pk)
    offset = parts.filter(part_number__lte=assembled).aggregate(total=Sum("size"))["total"] or 0
    scratch = scratch_name(upload_id, epoch)
    open_rows = Upload.objects.filter(pk=upload_pk, completed_at__isnull=True, digest_epoch=epoch)
    for number, name, size in covered_parts(upload_pk, after=assembled, through=through):
        if number == 1:
            # Made while the row is locked, so never after a complete or discard removed it.
            with transaction.atomic(using=PDS_DB):
                if not open_rows.filter(assembled_through=0).update(assembled_through=0):
                    return
                store.assemble_start(scratch)
        still_covered = parts.filter(
            part_number=number,
            storage_name=name,
            upload__digest_epoch=epoch,
            upload__completed_at__isnull=True,
        ).exists
        if not store.assemble_part(scratch, name, offset, still_covered):
            return
        if not open_rows.filter(assembled_through=number - 1).update(assembled_through=number):
            return
        offset += size


# --- In the background, so that a part's answer need not wait for its hashing ------------

_background = BackgroundThread("pds-digest")


def chain_advance_later(upload_pk: int, upload_id: str) -> None:
    """Run `chain_advance` on this process's background thread: the part's answer goes
    back at once, and the hashing overlaps the next part's transfer. A job lost with its
    process costs nothing but time: `complete` carries the chain on itself."""
    _background.submit(functools.partial(background_job, upload_pk, upload_id))


def background_job(upload_pk: int, upload_id: str) -> None:
    try:
        chain_advance(upload_pk, upload_id, wait=False)
    except Exception:
        log.exception("The digest chain of upload %s did not advance", upload_pk)


def background_idle() -> None:
    """Wait until the background work queued so far is done (for tests)."""
    _background.idle()


@dataclass
class ChainedParts:
    digest: ContentDigest
    scratch: str | None  # holds them all, one after another (local disk)
    upload_pk: int
    chain: Chain

    def scratch_current(self) -> bool:
        """Whether the chain is still the one the digest and scratch file belong to (same
        epoch, same parts): asked once `complete` has taken the scratch file, after which no
        copy into it starts without seeing the epoch it was made for."""
        try:
            state = (
                Upload.objects.filter(
                    pk=self.upload_pk, digest_through=self.chain.through, digest_epoch=self.chain.epoch
                )
                .values_list("digest_state", flat=True)
                .first()
            )
        except Exception:
            log.exception("The digest chain of upload %s could not be checked", self.upload_pk)
            return False
        now = chain_of(through=self.chain.through, epoch=self.chain.epoch, state=state)
        return now is not None and now.key == self.chain.key


def chain_digest(upload: Upload, names_and_sizes: list[tuple[str, int]]) -> ChainedParts | None:
    """The digest of the whole upload when its chain covers exactly these parts (their
    names and sizes, in order), once the chain is carried over the parts it lacks; None
    when the parts must be read."""
    chain_advance(upload.pk, upload.upload_id)
    row = (
        Upload.objects.filter(pk=upload.pk)
        .values_list("digest_through", "digest_epoch", "digest_state", "assembled_through")
        .first()
    )
    if row is None or row[0] != len(names_and_sizes) or row[0] == 0:
        return None
    chain = chain_of(through=row[0], epoch=row[1], state=row[2])
    if chain is None:
        return None
    key = ""
    for name, size in names_and_sizes:
        key = chain_key(key, name, size)
    if key != chain.key:
        return None
    scratch = scratch_name(upload.upload_id, row[1]) if row[3] == row[0] else None
    return ChainedParts(chain.digest, scratch, upload.pk, chain)
