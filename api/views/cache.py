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

# uuid -> (revision, view as JSON), least recently used first.
_Views = collections.OrderedDict[str, tuple[int, bytes]]


class RenderedViews:
    """A bounded cache of serialized views, shared by the threads of one
    API process.

    ``size`` is the number of views kept; 0 keeps none.  Views are held
    per renderer key (a listing looks a thousand up under one key: a
    tuple key per view cost more to hash than the look-up itself); when
    full, the least recently used views of the least recently used key
    go first.
    """

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f'size must be 0 or more, not {size}')
        self.size = size
        # renderer key -> its views, least recently used key first
        self._held: collections.OrderedDict[Hashable, _Views] = (
            collections.OrderedDict())
        self._count = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._count

    def get_many(self, key: Hashable, page: list[tuple[str, int]]
                 ) -> list[bytes | None]:
        """The views of ``page`` (uuid and revision of each server) that
        are held for that revision, None for the others."""
        found: list[bytes | None] = []
        keep = found.append
        with self._lock:
            views = self._held.get(key)
            if views is None:
                return [None] * len(page)
            self._held.move_to_end(key)
            get, used = views.get, views.move_to_end
            for uuid, revision in page:
                entry = get(uuid)
                if entry is not None and entry[0] == revision:
                    used(uuid)
                    keep(entry[1])
                else:
                    keep(None)
        return found

    def put_many(self, key: Hashable,
                 views: list[tuple[str, int, bytes]]) -> None:
        """Keep ``views``: (uuid, revision rendered, serialized view)."""
        if not self.size:
            return
        with self._lock:
            held = self._held.get(key)
            if held is None:
                held = self._held[key] = collections.OrderedDict()
            self._held.move_to_end(key)
            for uuid, revision, view in views:
                if uuid not in held:
                    self._count += 1
                held[uuid] = (revision, view)
                held.move_to_end(uuid)
            while self._count > self.size:
                oldest_key, oldest = next(iter(self._held.items()))
                oldest.popitem(last=False)
                self._count -= 1
                if not oldest:
                    del self._held[oldest_key]
