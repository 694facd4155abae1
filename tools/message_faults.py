"""Inter-cell message faults on demand, for tests and the soak tool.

:class:`FaultyDelivery` stands in front of a cell's inter-cell driver (the
object whose ``send_message_to_cell`` puts messages on a neighbour's
broker) and drops, duplicates, delays or reorders the messages it is told
to, at chosen rates, with a seeded random generator so that a run can be
repeated.  It can also *hold* messages and release them in a chosen order.

Example::

    faults = FaultyDelivery.install(tree.cells_manager('cell1'),
                                    random.Random(7), drop=0.1,
                                    duplicate=0.05, max_delay=0.05)
    ...
    faults.flush()
"""

from __future__ import annotations

import collections
import random
import threading
import time
from typing import Any


class FaultyDelivery:
    def __init__(self, driver: Any, rng: random.Random, drop: float = 0.0,
                 duplicate: float = 0.0, max_delay: float = 0.0,
                 directions: tuple[str, ...] = ('up',),
                 methods: tuple[str, ...] | None = None) -> None:
        self.driver = driver
        self.rng = rng
        self.drop = drop
        self.duplicate = duplicate
        self.max_delay = max_delay
        self.directions = directions
        self.methods = methods
        self.hold = False
        self.held: list[tuple[Any, ...]] = []
        self.counts: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._pending: list[threading.Timer] = []

    @classmethod
    def install(cls, manager: Any, rng: random.Random,
                **kwargs: Any) -> FaultyDelivery:
        """Put faults between a cells manager and its neighbours."""
        faults = cls(manager.msg_runner.driver, rng, **kwargs)
        manager.msg_runner.driver = faults
        return faults

    def uninstall(self, manager: Any) -> None:
        self.flush()
        manager.msg_runner.driver = self.driver

    def _affects(self, data: dict[str, Any]) -> bool:
        if data.get('direction') not in self.directions:
            return False
        return self.methods is None or data.get('method_name') in \
            self.methods

    def send_message_to_cell(self, cell: Any, message_type: str, ctxt: Any,
                             data: dict[str, Any], fanout: bool) -> None:
        args = (cell, message_type, ctxt, data, fanout)
        if not self._affects(data):
            self.driver.send_message_to_cell(*args)
            return
        with self._lock:
            self.counts['seen'] += 1
            if self.hold:
                self.held.append(args)
                self.counts['held'] += 1
                return
            if self.rng.random() < self.drop:
                self.counts['dropped'] += 1
                return
            copies = 2 if self.rng.random() < self.duplicate else 1
            if copies == 2:
                self.counts['duplicated'] += 1
            delays = [self.rng.uniform(0, self.max_delay)
                      for _ in range(copies)]
        for delay in delays:
            self._send_later(args, delay)

    def _send_later(self, args: tuple[Any, ...], delay: float) -> None:
        if delay <= 0:
            self.driver.send_message_to_cell(*args)
            return
        # Independent delays reorder messages that were sent close
        # together.
        timer = threading.Timer(delay, self.driver.send_message_to_cell,
                                args)
        timer.daemon = True
        with self._lock:
            self._pending.append(timer)
            self.counts['delayed'] += 1
        timer.start()

    def release(self, order: str = 'fifo',
                where: Any = None) -> int:
        """Send the held messages: ``fifo``, ``reverse`` or ``shuffle``.

        With ``where`` (a predicate on a message's data), only the
        messages it accepts go; the others stay held.
        """
        with self._lock:
            if where is None:
                held, self.held = self.held, []
                self.hold = False
            else:
                held = [a for a in self.held if where(a[3])]
                self.held = [a for a in self.held if not where(a[3])]
        if order == 'reverse':
            held.reverse()
        elif order == 'shuffle':
            self.rng.shuffle(held)
        for args in held:
            self.driver.send_message_to_cell(*args)
        return len(held)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every delayed message has gone."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                self._pending = [t for t in self._pending if t.is_alive()]
                if not self._pending:
                    return
            if time.monotonic() > deadline:
                raise AssertionError('delayed messages still pending')
            time.sleep(0.01)
