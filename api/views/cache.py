"""Rendered views kept between requests.

Most of a listing's time goes into reading the rows it shows and
rendering them, and most servers have not changed since the last
listing.  :class:`RenderedViews` keeps each server's view, serialized,
with the revision of the instance it was rendered from
(``instances.revision``, drawn anew by every write of what the view
shows): a listing reads uuids and revisions, and renders again only the
servers whose revision moved.

A view also depends on the request (its links, what the caller may
see): each is kept under the key of the renderer that made it
(:attr:`nova.api.views.servers.Renderer.key`).  Which servers a caller
sees is never taken from here: the listing's own query decides that.
"""

from __future__ import annotations

import collections
from collections.abc import Hashable
import threading

# (renderer key, uuid) -> (revision, view as JSON)
_Held = collections.OrderedDict[tuple[Hashable, str], tuple[int, bytes]]


class RenderedViews:
    """A bounded cache of serialized views, the least recently used
    dropped first; shared by the threads of one API process.

    ``size`` is the number of views kept; 0 keeps none.
    """

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f'size must be 0 or more, not {size}')
        self.size = size
        self._held: _Held = collections.OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._held)

    def get_many(self, key: Hashable, page: list[tuple[str, int]]
                 ) -> list[bytes | None]:
        """The views of ``page`` (uuid and revision of each server) that
        are held for that revision, None for the others."""
        found: list[bytes | None] = []
        with self._lock:
            held = self._held
            for uuid, revision in page:
                entry = held.get((key, uuid))
                if entry is not None and entry[0] == revision:
                    held.move_to_end((key, uuid))
                    found.append(entry[1])
                else:
                    found.append(None)
        return found

    def put_many(self, key: Hashable,
                 views: list[tuple[str, int, bytes]]) -> None:
        """Keep ``views``: (uuid, revision rendered, serialized view)."""
        if not self.size:
            return
        with self._lock:
            held = self._held
            for uuid, revision, view in views:
                held[(key, uuid)] = (revision, view)
                held.move_to_end((key, uuid))
            while len(held) > self.size:
                held.popitem(last=False)
