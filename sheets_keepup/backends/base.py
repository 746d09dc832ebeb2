"""The seam every backend implements, and what a backend may be asked beyond it.

A backend reads the tabs it is asked for in as few requests as it can and applies a
`ChangeSet` atomically: all of it, or nothing. It knows nothing of the rules.

Beyond `describe`, `read` and `apply`, the app asks every backend the same few
questions (how many requests so far, how the last write went out, the tab titles,
which credentials are in use, whether a file must be created first). They are part of
the protocol, with the answers of a backend that has nothing to say in `BackendBase`,
so the app never probes a backend with `getattr` or `isinstance`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from sheets_keepup.core.model import ChangeSet, SheetData


@dataclass(frozen=True)
class WriteStats:
    """How the last write went out: the size of each request body it took."""

    body_sizes: tuple[int, ...]
    sub_requests: int

    @property
    def requests(self) -> int:
        return len(self.body_sizes)

    @property
    def split(self) -> bool:
        """True when one change set needed more than one request (Google's 2 MB advice)."""
        return len(self.body_sizes) > 1


@runtime_checkable
class Backend(Protocol):
    """A spreadsheet the sync can read from and write to."""

    def describe(self) -> str:
        """A short, non-secret description of the target, e.g. the workbook path."""
        ...

    def read(self, tabs: Sequence[str]) -> SheetData:
        """Read the named tabs (missing ones are simply absent from the result)."""
        ...

    def apply(self, changes: ChangeSet) -> None:
        """Write all of `changes` or nothing.

        Raises SheetChangedError when the sheet moved since `read` (rows inserted,
        sorted, deleted) so that the caller can plan again from fresh data.
        """
        ...

    def tab_titles(self) -> list[str]:
        """Every tab's title, in order (for messages such as "no tab named ...")."""
        ...

    @property
    def requests(self) -> int:
        """Requests sent to the service so far, retries included (0 for a local file)."""
        ...

    @property
    def last_write(self) -> WriteStats | None:
        """How the last `apply` went out, when the backend splits writes; else None."""
        ...

    def credentials_note(self) -> str:
        """Which credentials are in use, never a secret; "" when there are none."""
        ...

    def file_to_create(self) -> Path | None:
        """A local file that does not exist yet and that `init` should create."""
        ...


class BackendBase(ABC):
    """The answers of a backend with nothing to say beyond read and apply."""

    @abstractmethod
    def describe(self) -> str: ...

    @abstractmethod
    def read(self, tabs: Sequence[str]) -> SheetData: ...

    @abstractmethod
    def apply(self, changes: ChangeSet) -> None: ...

    def tab_titles(self) -> list[str]:
        return []

    @property
    def requests(self) -> int:
        return 0

    @property
    def last_write(self) -> WriteStats | None:
        return None

    def credentials_note(self) -> str:
        return ""

    def file_to_create(self) -> Path | None:
        return None
