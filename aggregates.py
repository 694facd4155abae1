"""Host aggregates of one cell, with Nova's rules, and the zone of each
host.

An aggregate lives in the cell of its hosts, in that cell's database.
:class:`CellAggregates` is what that cell does when asked (by the REST API
of a deployment without cells, or by nova-cells for the API cell): it
checks that a host is a compute host of the cell, that a host lies in one
availability zone only and that a zone is not renamed under running
instances, as Nova does, and describes aggregates as plain dicts.

:func:`host_zones` says which zone each compute host of the cell is in:
its aggregates' ``availability_zone``, else the zone its compute service
was configured with (``[DEFAULT] availability_zone``), else
``default_availability_zone``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
import contextlib
import datetime
from typing import Any

from nova import exception
from nova.context import RequestContext
from nova.db.api import Database

AZ_KEY = 'availability_zone'
COMPUTE_BINARY = 'nova-compute'


def _isotime(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.strftime(
        '%Y-%m-%dT%H:%M:%S.%f')


def describe(row: dict[str, Any]) -> dict[str, Any]:
    """An aggregate as the API shows it (its id still this cell's)."""
    return {'id': row['id'], 'uuid': row['uuid'], 'name': row['name'],
            'availability_zone': row['metadata'].get(AZ_KEY),
            'hosts': list(row['hosts']), 'metadata': dict(row['metadata']),
            'created_at': _isotime(row['created_at']),
            'updated_at': _isotime(row['updated_at']),
            'deleted_at': None, 'deleted': False}


def host_zones(conf: Any, db: Database, ctxt: RequestContext,
               nodes: list[dict[str, Any]] | None = None,
               host_metadata: dict[str, dict[str, set[str]]] | None = None
               ) -> dict[str, str]:
    """The availability zone of each compute host of this cell
    (``nodes``: its compute nodes, ``host_metadata``: its hosts'
    aggregate metadata, when the caller has read them)."""
    if nodes is None:
        nodes = db.compute_node_get_all(ctxt)
    if host_metadata is None:
        host_metadata = db.aggregate_host_metadata(ctxt)
    zones = {node['host']: (node.get('availability_zone')
                            or conf.default_availability_zone)
             for node in nodes}
    for host, metadata in host_metadata.items():
        if metadata.get(AZ_KEY):
            zones[host] = sorted(metadata[AZ_KEY])[0]
    return zones


def host_zone(conf: Any, db: Database, ctxt: RequestContext, host: str
              ) -> str:
    """The zone of ``host``, a compute host of this cell configured
    with ``conf``: a build reads it, so only the host's aggregates."""
    zones = db.aggregate_host_metadata(ctxt, host=host).get(host, {}).get(
        AZ_KEY)
    if zones:
        return sorted(zones)[0]
    return conf.availability_zone or conf.default_availability_zone


@contextlib.contextmanager
def shown_as(shown: dict[str, Any], local: dict[str, Any]
             ) -> Iterator[None]:
    """Errors raised inside name what they name as the caller does:
    each argument of ``local`` (``aggregate_id``, ``host``) that an error
    holds is replaced by its value in ``shown`` (cell-qualified)."""
    try:
        yield
    except exception.NovaException as exc:
        kwargs = dict(exc.kwargs)
        replaced = False
        for key, value in local.items():
            if key in shown and kwargs.get(key) == value:
                kwargs[key] = shown[key]
                replaced = True
        if not replaced:
            raise
        cls = type(exc)
        if cls.__name__.endswith('_Remote'):
            # oslo.messaging's copy of a remote error keeps its message.
            cls = cls.__bases__[0]
        raise cls(**kwargs) from None


class CellAggregates:
    """The aggregates of this cell.

    ``on_change`` runs after every change: the zones of the cell's hosts
    may have changed, which its parents learn from its next report.
    """

    def __init__(self, conf: Any, db: Database,
                 on_change: Callable[[], None] | None = None) -> None:
        self.conf = conf
        self.db = db
        self._on_change = on_change or (lambda: None)

    def _changed(self, row: dict[str, Any]) -> dict[str, Any]:
        self._on_change()
        return describe(row)

    def get_all(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        return [describe(row) for row in self.db.aggregate_get_all(ctxt)]

    def get(self, ctxt: RequestContext, aggregate_id: int
            ) -> dict[str, Any]:
        return describe(self.db.aggregate_get(ctxt, aggregate_id))

    def create(self, ctxt: RequestContext, name: str,
               availability_zone: str | None = None) -> dict[str, Any]:
        metadata = {AZ_KEY: availability_zone} if availability_zone else {}
        return self._changed(self.db.aggregate_create(ctxt, name,
                                                      metadata))

    def update(self, ctxt: RequestContext, aggregate_id: int,
               values: dict[str, Any]) -> dict[str, Any]:
        """Rename (``name``) or move to another zone
        (``availability_zone``)."""
        metadata = {}
        if AZ_KEY in values:
            metadata[AZ_KEY] = values[AZ_KEY]
            self._check_zone_change(ctxt, aggregate_id, values[AZ_KEY],
                                    exception.InvalidAggregateActionUpdate)
        return self._changed(self.db.aggregate_update(
            ctxt, aggregate_id, name=values.get('name'), metadata=metadata,
            error=exception.InvalidAggregateActionUpdate))

    def set_metadata(self, ctxt: RequestContext, aggregate_id: int,
                     metadata: dict[str, str | None]) -> dict[str, Any]:
        """Set keys; a ``None`` value removes its key."""
        error = exception.InvalidAggregateActionUpdateMeta
        if AZ_KEY in metadata:
            self._check_zone_change(ctxt, aggregate_id, metadata[AZ_KEY],
                                    error)
        return self._changed(self.db.aggregate_update(
            ctxt, aggregate_id, metadata=metadata, error=error))

    def delete(self, ctxt: RequestContext, aggregate_id: int) -> None:
        self.db.aggregate_delete(ctxt, aggregate_id)
        self._on_change()

    def add_host(self, ctxt: RequestContext, aggregate_id: int, host: str
                 ) -> dict[str, Any]:
        self._check_compute_host(ctxt, host)
        return self._changed(self.db.aggregate_host_add(ctxt, aggregate_id,
                                                        host))

    def remove_host(self, ctxt: RequestContext, aggregate_id: int,
                    host: str) -> dict[str, Any]:
        self._check_compute_host(ctxt, host)
        return self._changed(self.db.aggregate_host_delete(
            ctxt, aggregate_id, host))

    # -- rules ----------------------------------------------------------

    def _check_compute_host(self, ctxt: RequestContext, host: str) -> None:
        try:
            self.db.service_get_by_host_and_binary(ctxt, host,
                                                   COMPUTE_BINARY)
        except exception.HostBinaryNotFound:
            raise exception.ComputeHostNotFound(host=host) from None

    def _check_zone_change(self, ctxt: RequestContext, aggregate_id: int,
                           zone: str | None,
                           error: type[exception.NovaException]) -> None:
        """A zone is named, and not renamed under running instances."""
        current = self.db.aggregate_get(ctxt, aggregate_id)
        if not zone:
            raise error(aggregate_id=aggregate_id,
                        reason='Aggregate %s does not support empty named '
                               'availability zone' % current['name'])
        if zone == current['metadata'].get(AZ_KEY) or not current['hosts']:
            return
        instances = self.db.instance_get_all_by_filters(
            ctxt, {'host': current['hosts'], 'deleted': False},
            columns=('host',), expected_attrs=(), limit=1)
        if instances:
            raise error(aggregate_id=aggregate_id,
                        reason='One or more hosts contain instances in '
                               'this zone')
