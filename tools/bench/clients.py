"""The one client the boot benchmarks drive both systems with.

Ours and the peer (OpenStack Nova, serving its nova-api WSGI app on a
local port, see ``peer_driver.py``) get the very same calls from this
module: ``post_servers`` POSTs ``/v2.1/servers`` from ``concurrency``
threads, each on a keep-alive connection of its own
(:class:`common.Rest`), and times each POST at the client;
:class:`ActiveWatcher` polls the REST API (``GET /v2.1/servers`` with a
``status`` filter, paged) and notes when it first lists each server
ACTIVE or ERROR.  A server's time to ACTIVE runs from the start of its
POST to the end of the poll that listed it ACTIVE.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from typing import Any
import uuid

from nova.tools.bench import common

PAGE = 1000
POLL_INTERVAL = 0.1


def first_ids(rest: common.Rest) -> tuple[str, str]:
    """The image and flavor to boot: the first each API lists, as a
    client would pick them (any uuid where there is no image list)."""
    ref = getattr(rest, 'boot_refs', None)
    if ref is None:
        status, body = rest.request('GET', '/v2.1/images')
        images = body.get('images', []) if status == 200 and isinstance(
            body, dict) else []
        image = str(images[0]['id']) if images else str(uuid.uuid4())
        flavors = rest.get('/v2.1/flavors')['flavors']
        flavor = sorted(str(f['id']) for f in flavors)[0] if flavors else '1'
        ref = rest.boot_refs = (image, flavor)  # type: ignore[attr-defined]
    return ref


def post_one(rest: common.Rest, name: str) -> tuple[str, float, float]:
    """POST one server: its id, when the POST began and how long it took
    (to the last byte of the answer)."""
    image, flavor = first_ids(rest)
    body = {'server': {'name': name, 'flavorRef': flavor,
                       'imageRef': image}}
    began = time.monotonic()
    status, raw = rest.fetch('POST', '/v2.1/servers', body)
    took = time.monotonic() - began
    if status != 202:
        raise RuntimeError(f'POST /servers: {status} {rest.parse(raw)}')
    return str(rest.parse(raw)['server']['id']), began, took


def post_servers(rest: common.Rest, n: int, concurrency: int, prefix: str,
                 on_posted: Any = None) -> tuple[dict[str, float],
                                                  list[float]]:
    """POST ``n`` servers from ``concurrency`` threads; when each POST
    began (by server id) and each POST's latency in seconds."""
    first_ids(rest)
    posted: dict[str, float] = {}
    took: list[float] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        sid, began, seconds = post_one(rest, f'{prefix}-{i}')
        with lock:
            posted[sid] = began
            took.append(seconds)
        if on_posted is not None:
            on_posted(sid)

    if concurrency <= 1:
        for i in range(n):
            one(i)
    else:
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            for future in [pool.submit(one, i) for i in range(n)]:
                future.result()
    return posted, took


class ActiveWatcher(common.Background):
    """Polls the REST API for the servers it is told to watch."""

    def __init__(self, rest: common.Rest,
                 interval: float = POLL_INTERVAL) -> None:
        super().__init__()
        self.rest = rest
        self.interval = interval
        self.pending: set[str] = set()
        self.active_at: dict[str, float] = {}
        self.errors: set[str] = set()
        self.polls = 0
        self._lock = threading.Lock()

    def watch(self, server_id: str) -> None:
        with self._lock:
            self.pending.add(server_id)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                waiting = bool(self.pending)
            if waiting:
                active = self._listed('ACTIVE')
                seen = time.monotonic()
                errors = self._listed('ERROR')
                self.polls += 1
                with self._lock:
                    for sid in active & self.pending:
                        self.active_at[sid] = seen
                    self.errors.update(errors & self.pending)
                    self.pending -= active | errors
            self._stop.wait(self.interval)

    def _listed(self, status: str) -> set[str]:
        ids: set[str] = set()
        marker = None
        while True:
            page = self.rest.get(
                f'/v2.1/servers?status={status}&limit={PAGE}'
                + (f'&marker={marker}' if marker else ''))['servers']
            ids.update(s['id'] for s in page)
            if len(page) < PAGE:
                return ids
            marker = page[-1]['id']

    def done(self, ids: list[str]) -> int:
        with self._lock:
            return sum(1 for i in ids
                       if i in self.active_at or i in self.errors)


def boot_burst(rest: common.Rest, n: int, concurrency: int, prefix: str,
               timeout: float) -> dict[str, Any]:
    """``n`` servers POSTed from ``concurrency`` clients and watched to
    ACTIVE: servers/s from the first POST to the last ACTIVE seen."""
    with ActiveWatcher(rest) as watcher:
        posted, took = post_servers(rest, n, concurrency, prefix,
                                    watcher.watch)
        ids = list(posted)
        try:
            common.poll_until(f'{n} servers ACTIVE', timeout,
                              lambda: watcher.done(ids) == n, interval=0.05)
        except TimeoutError as exc:
            common.say(f'  {exc}')
        with watcher._lock:
            active = {i: watcher.active_at[i] for i in ids
                      if i in watcher.active_at}
            errors = [i for i in ids if i in watcher.errors]
        polls = watcher.polls
    first = min(posted.values())
    last = max(active.values()) if active else first
    wall = last - first
    return {'n': n, 'concurrency': concurrency, 'active': len(active),
            'errors': len(errors),
            'stuck': n - len(active) - len(errors),
            'error_ids': errors[:3], 'posted_ids': ids,
            'wall_seconds': round(wall, 3),
            'servers_per_s': round(len(active) / wall, 2) if wall else None,
            'post_latency': common.summary_ms(took),
            'time_to_active': common.summary_ms(
                [active[i] - posted[i] for i in active]),
            'to_active_samples': [active[i] - posted[i] for i in active],
            'watcher_polls': polls}
