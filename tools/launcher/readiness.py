"""What ``up`` waits for before it calls a deployment ready.

Each check returns what is still missing (an empty list once done):
every service has reported in its cell's ``services`` table, every
compute host has its compute node, nova-api answers, and every cell's
nova-cells consumes its inter-cell queues.  :func:`wait` polls one check
until it is met, failing at once when a daemon died.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
import json
import time
from typing import TYPE_CHECKING
import urllib.request

import pymysql

from nova.tools.launcher.errors import LauncherError
from nova.tools.launcher.plan import INTERCELL_QUEUES
from nova.tools.launcher.plan import CellPlan

if TYPE_CHECKING:
    from nova.tools.launcher.deployment import Deployment

ADMIN_TOKEN = 'admin:admin'
Check = Callable[['Deployment'], list[str]]


def wait(dep: Deployment, missing: Check, deadline: float) -> None:
    """Poll ``missing(dep)`` until it is empty; raise
    :class:`LauncherError` past ``deadline`` or when a daemon exited."""
    what: list[str] = []
    while True:
        dead = dep.dead_processes()
        if dead:
            raise LauncherError(
                'daemon(s) exited: ' + ', '.join(p.name for p in dead)
                + '\n' + '\n'.join(
                    f'--- {p.log} (tail) ---\n{dep.log_tail(p, 30)}'
                    for p in dead))
        try:
            what = missing(dep)
        except (pymysql.MySQLError, LauncherError) as exc:
            what = [f'not answering: {exc}']
        if not what:
            return
        if time.monotonic() > deadline:
            raise LauncherError('not ready in time; still missing: '
                                + '; '.join(what))
        time.sleep(0.5)


def reported(dep: Deployment, plan: CellPlan) -> set[tuple[str, str]]:
    """(host, binary) of the live services in a cell's database."""
    rows = dep.query(plan.name, 'SELECT host, `binary` FROM services '
                                'WHERE deleted = 0')
    return {(str(h), str(b)) for h, b in rows}


def missing_before_cells(dep: Deployment) -> list[str]:
    """Everything but the child cells' nova-cells: those start last."""
    missing = []
    if not api_answers(dep.api_url, dep.api_token()):
        missing.append('nova-api not answering')
    for plan in dep.cells:
        if dep.all_in_one and plan.compute_hosts:
            continue  # all its services start with its nova-cells
        wanted = {s for s in plan.expected_services
                  if s[1] != 'nova-cells' or plan.is_api}
        gone = wanted - reported(dep, plan)
        missing += [f'{plan.name}: {b} on {h}' for h, b in sorted(gone)]
        if plan.compute_hosts:
            rows = dep.query(plan.name, 'SELECT host FROM compute_nodes '
                                        'WHERE deleted = 0')
            nodes = {str(h) for (h,) in rows}
            missing += [f'{plan.name}: compute node of {h}'
                        for h in plan.compute_hosts if h not in nodes]
    return missing


def missing(dep: Deployment) -> list[str]:
    """Everything, every nova-cells included."""
    found = missing_before_cells(dep)
    for plan in dep.cells:
        if (plan.name, 'nova-cells') not in reported(dep, plan):
            found.append(f'{plan.name}: nova-cells')
    return found + not_consuming(dep, dep.cells)


def not_consuming(dep: Deployment, plans: Iterable[CellPlan]) -> list[str]:
    """The cells among ``plans`` whose nova-cells does not listen."""
    found = []
    for plan in plans:
        queues = dep.cell_backends(plan).unconsumed_queues(
            plan.vhost, INTERCELL_QUEUES)
        if queues:
            found.append(f"{plan.name}: nova-cells not consuming "
                         f"{', '.join(queues)}")
    return found


def api_answers(api_url: str, token: str = ADMIN_TOKEN) -> bool:
    """Whether nova-api at ``api_url`` lists the flavors to an
    administrator's ``token``."""
    request = urllib.request.Request(
        f'{api_url}/v2.1/flavors',
        headers={'X-Auth-Token': token,
                 'Accept': 'application/json'})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = json.loads(response.read())
        return response.status == 200 and bool(body.get('flavors'))
    except (OSError, ValueError):
        return False
