"""Boots racing for the last units of a quota, on any database."""

from __future__ import annotations

from collections.abc import Callable
import threading
from typing import Any
import uuid

from nova import exception


def values_for(project: str, flavor: Any
               ) -> Callable[[int, int], dict[str, Any]]:
    """The values of each instance of a test boot."""
    def values(index: int, count: int) -> dict[str, Any]:
        return {'uuid': str(uuid.uuid4()), 'project_id': project,
                'vcpus': flavor.vcpus, 'memory_mb': flavor.memory_mb,
                'vm_state': 'building'}
    return values


def run_posters(engine: Any, ctxt: Any, posters: int, project: str,
                flavor: Any) -> tuple[list[Any], list[str]]:
    """Boot one server from each of ``posters`` threads at once; returns
    how many were created and the refusals' messages."""
    barrier = threading.Barrier(posters)
    created: list[Any] = []
    refused: list[str] = []

    def post() -> None:
        barrier.wait()
        try:
            created.extend(engine.create_boot(ctxt, project, flavor, 1, 1,
                                              values_for(project, flavor)))
        except exception.TooManyInstances as error:
            refused.append(error.format_message())

    threads = [threading.Thread(target=post) for _ in range(posters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return created, refused
