"""Helpers for the server action tests: one API cell over one child cell
with two compute hosts, shared by the tests of a module.

Each test boots its own servers (deleted at its end), so the tests stay
independent of each other while sharing the tree.
"""

from __future__ import annotations

from typing import Any

from nova import context as nova_context
from nova import exception
from nova.compute import images
from nova.compute import vm_states
from nova.tools import inproc_tree

ONE_CHILD = {'api': ('api', []), 'cell1': ('compute', ['api'])}
CHILD = 'cell1'
IMAGE = images.DEFAULT_IMAGE_ID
ADMIN = nova_context.get_admin_context()
# What must agree between the API cell's replica and the child's row.
COMPARED = ('vm_state', 'task_state', 'power_state', 'host', 'node',
            'instance_type_id', 'memory_mb', 'vcpus', 'root_gb',
            'image_ref', 'display_name', 'locked', 'metadata')


def start_tree(tmpdir: str, **kwargs: Any) -> inproc_tree.Tree:
    tree = inproc_tree.Tree(tmpdir, kwargs.pop('cells', ONE_CHILD),
                            services={'api': ['cells']}, **kwargs).start()
    tree.wait_for_capacities('api', [c for c, (kind, _) in
                                     tree.spec.items() if kind != 'api'])
    return tree


def user() -> nova_context.RequestContext:
    """A new request of the owner (each request has its own id)."""
    return nova_context.RequestContext('user1', 'project1')


def admin() -> nova_context.RequestContext:
    return nova_context.RequestContext('admin', 'adminproject',
                                       is_admin=True)


class Servers:
    """Boots servers through the API cell and checks both copies."""

    def __init__(self, tree: inproc_tree.Tree, child: str = CHILD) -> None:
        self.tree = tree
        self.child_cell = child
        self.api = tree.compute_api()
        self.booted: list[str] = []

    # -- reading both copies --------------------------------------------

    def top(self, uuid: str) -> Any:
        return self.api.get(user(), uuid)

    def child(self, uuid: str) -> dict[str, Any]:
        return self.tree.db(self.child_cell).instance_get_by_uuid(ADMIN,
                                                                  uuid)

    def both(self, uuid: str) -> tuple[dict[str, Any], dict[str, Any]]:
        top = self.tree.db('api').instance_get_by_uuid(ADMIN, uuid)
        return ({k: top[k] for k in COMPARED},
                {k: self.child(uuid)[k] for k in COMPARED})

    def settled(self, uuid: str, timeout: float = 10.0,
                **expected: Any) -> Any:
        """Wait until both copies agree, no task runs and ``expected``
        holds; return the API cell's instance."""
        def done() -> Any:
            try:
                top, child = self.both(uuid)
            except exception.InstanceNotFound:
                return None     # not in the child yet
            if top != child or top['task_state'] is not None:
                return None
            if any(top[k] != v for k, v in expected.items()):
                return None
            return self.top(uuid)
        try:
            return inproc_tree.wait_for(done, timeout,
                                        what='%s settled with %s'
                                        % (uuid, expected))
        except AssertionError:
            raise AssertionError('not settled: %r' % (
                self.both(uuid),)) from None

    # -- acting ---------------------------------------------------------

    def boot(self, flavorid: str = '1', image: str = IMAGE,
             name: str = 'vm', **kwargs: Any) -> Any:
        ctxt = kwargs.pop('ctxt', None) or user()
        flavor = self.api.flavor_get(ctxt, flavorid)
        [instance], _ = self.api.create(ctxt, flavor, image, name, **kwargs)
        self.booted.append(instance.uuid)
        return self.settled(instance.uuid, vm_state=vm_states.ACTIVE)

    def delete_all(self) -> None:
        for uuid in self.booted:
            try:
                self.api.delete(admin(), self.api.get(admin(), uuid))
            except exception.InstanceNotFound:
                continue    # deleted already
        inproc_tree.wait_for(
            lambda: not self.tree.live_instances(self.child_cell), 10,
            what='no server left in %s' % self.child_cell)
        self.booted = []

    # -- compute nodes --------------------------------------------------

    def compute_drivers(self) -> list[Any]:
        runtime = self.tree.runtimes[self.child_cell]
        return [svc.manager.driver for svc in runtime.services['compute']]

    def nodes(self) -> dict[str, dict[str, Any]]:
        return {n['hypervisor_hostname']: n for n in
                self.tree.db(self.child_cell).compute_node_get_all(ADMIN)}

    def used_mb(self) -> dict[str, int]:
        return {name: n['memory_mb_used'] for name, n in self.nodes().items()}

    def assert_nodes_current(self) -> None:
        """Every compute_nodes row says what its hypervisor holds."""
        rows = self.nodes()
        for driver in self.compute_drivers():
            for node in driver.get_available_nodes():
                usage = driver.node_usage(node)
                row = rows[node]
                assert (row['vcpus_used'], row['memory_mb_used'],
                        row['local_gb_used']) == (
                    usage['vcpus'], usage['memory_mb'],
                    usage['local_gb']), (node, row, usage)
