"""A walk down folder trees, level by level, that can stop after any chunk of rows and
resume: its whole state is JSON, which a job saves in the same transaction as the chunk's
writes (services/async_tasks.py), so a chunk is either done and recorded, or neither."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db.models import QuerySet

from pds_server.models import Drive, File

FOLDER_SLICE = 200  # folders whose children one query reads (bound the SQL IN list)


@dataclass
class TreeWalk:
    # [folder_id, tag] of the level whose children are visited now; the tag travels with
    # the folder (a copy's tag is the id of the folder's copy).
    level: list[list[str]] = field(default_factory=list)
    index: int = 0  # first folder of the slice being read
    after: str = ""  # last child read in that slice: the keyset cursor, by file_id
    found: list[list[str]] = field(default_factory=list)  # the next level

    @classmethod
    def start(cls, folders: list[tuple[str, str]]) -> TreeWalk:
        return cls(level=[[folder_id, tag] for folder_id, tag in folders])

    @classmethod
    def load(cls, state: dict) -> TreeWalk:
        return cls(**state)

    def dump(self) -> dict:
        return asdict(self)

    @property
    def finished(self) -> bool:
        return not self.level

    def next_rows(self, children: QuerySet[File], size: int) -> list[tuple[File, str]]:
        """Up to `size` rows of `children` under the walk's folders, each with its parent's
        tag, and the cursor moved past them; [] once the walk is over. The caller calls
        `descend` for the folders among them that the walk should enter."""
        while self.level:
            folders = self.level[self.index : self.index + FOLDER_SLICE]
            if not folders:
                self.level, self.found, self.index, self.after = self.found, [], 0, ""
                continue
            tags = dict((folder_id, tag) for folder_id, tag in folders)
            rows = list(
                children.filter(parent_file_id__in=list(tags), file_id__gt=self.after).order_by("file_id")[:size]
            )
            if len(rows) < size:
                self.index, self.after = self.index + FOLDER_SLICE, ""
            else:
                self.after = rows[-1].file_id
            if rows:
                return [(row, tags[row.parent_file_id]) for row in rows]
        return []

    def descend(self, folder_id: str, tag: str = "") -> None:
        self.found.append([folder_id, tag])


@dataclass(frozen=True)
class Job:
    """A long operation in steps. `plan(drive=, params=)` reads what the job will need (at
    least `total`, the rows it will visit) outside any transaction; `step(drive=, params=,
    state=, size=)` does up to `size` rows in the caller's transaction, updates `state` (the
    plan at first) and answers how many rows it did; `state["phase"] == "done"` ends it."""

    plan: Callable[..., dict]
    step: Callable[..., int]

    def run_at_once(self, *, drive: Drive, params: dict, size: int) -> dict:
        """The whole job in the caller's transaction (small folders, answered at once)."""
        state = self.plan(drive=drive, params=params)
        state["count"] = 0
        while state.get("phase") != DONE:
            state["count"] += self.step(drive=drive, params=params, state=state, size=size)
        return state


DONE = "done"
