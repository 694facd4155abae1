"""Cold migration through the API cell of a tree with two child cells:
within a cell (the resize steps with the instance's own flavor) and
between cells (nova.cells.moves), confirmed or reverted, and the drain of
a cell.  Every move between cells must end with the instance in exactly
one child database, the API cell's copy matching it.
"""

import pytest

from nova import context as nova_context
from nova import exception
from nova.cells import rpcapi as cells_rpcapi
from nova.cmd import cell_drain
from nova.compute import power_state
from nova.compute import vm_states
from nova.tests.functional import server_helpers as helpers
from nova.tests.functional.server_helpers import ADMIN
from nova.tests.functional.server_helpers import admin
from nova.tools import inproc_tree

CELLS = {'api': ('api', []), 'cell1': ('compute', ['api']),
         'cell2': ('compute', ['api'])}
TOP_COMPARED = ('vm_state', 'task_state', 'power_state', 'host', 'node',
                'instance_type_id', 'display_name', 'metadata')


@pytest.fixture(scope='module')
def shared_tree(tmp_path_factory):
    tree = helpers.start_tree(str(tmp_path_factory.mktemp('migrate')),
                              cells=CELLS, registry='db')
    yield tree
    tree.stop()


class Moves(helpers.Servers):
    """Servers booted into a named cell, read in every database."""

    def boot_in(self, cell, flavorid='1'):
        flavor = self.api.flavor_get(admin(), flavorid)
        [instance], _ = self.api.create(
            admin(), flavor, helpers.IMAGE, 'vm',
            scheduler_hints={'target_cell': 'api!' + cell})
        self.booted.append(instance.uuid)
        self.child_cell = cell
        return self.settled(instance.uuid, vm_state=vm_states.ACTIVE)

    def rows(self, uuid):
        """The live copies of ``uuid``: {database: row}."""
        found = {}
        for cell in CELLS:
            try:
                found[cell] = self.tree.db(cell).instance_get_by_uuid(ADMIN,
                                                                      uuid)
            except exception.InstanceNotFound:
                pass
        return found

    def in_one_cell(self, uuid, cell, timeout=15.0, **expected):
        """Wait until ``cell`` alone holds the instance, no task runs,
        the top matches it and ``expected`` holds; the top's copy."""
        def done():
            rows = self.rows(uuid)
            if set(rows) != {'api', cell}:
                return None
            top, child = rows['api'], rows[cell]
            if top['cell_name'] != 'api!' + cell:
                return None
            if any(top[k] != child[k] for k in TOP_COMPARED):
                return None
            if top['task_state'] is not None or any(
                    top[k] != v for k, v in expected.items()):
                return None
            return self.top(uuid)
        try:
            return inproc_tree.wait_for(done, timeout, what='%s alone in %s'
                                        % (uuid, cell))
        except AssertionError:
            raise AssertionError('not settled: %r' % {
                c: {k: r[k] for k in TOP_COMPARED + ('cell_name',)}
                for c, r in self.rows(uuid).items()}) from None

    def delete_all(self):
        for uuid in self.booted:
            try:
                self.api.delete(admin(), self.api.get(admin(), uuid))
            except exception.InstanceNotFound:
                continue
        inproc_tree.wait_for(
            lambda: not any(self.tree.live_instances(c)
                            for c in ('cell1', 'cell2')), 15,
            what='no server left')
        self.booted = []

    def used_mb_in(self, cell):
        return {n['hypervisor_hostname']: n['memory_mb_used'] for n in
                self.tree.db(cell).compute_node_get_all(ADMIN)}

    def wait_status(self, uuid, status):
        # Written once the last step answered, a moment after the
        # databases show it.
        inproc_tree.wait_for(
            lambda: self.top_migrations(uuid)[0]['status'] == status, 10,
            what='the move %s' % status)

    def top_migrations(self, uuid):
        return self.tree.db('api').migration_get_all(
            ADMIN, {'instance_uuid': uuid})


@pytest.fixture
def moves(shared_tree):
    m = Moves(shared_tree)
    yield m
    m.delete_all()
    for cell in ('cell1', 'cell2'):
        assert set(m.used_mb_in(cell).values()) == {0}


def _migration_rows(moves, uuid):
    return [m for m in moves.api.host_api.migration_get_all(
        admin(), {'instance_uuid': uuid})]


# -- within a cell ------------------------------------------------------

def test_migrate_within_a_cell_then_confirm(moves):
    booted = moves.boot_in('cell1')
    moves.api.migrate(admin(), booted)
    migrated = moves.settled(booted.uuid, vm_state=vm_states.RESIZED)
    assert migrated.host != booted.host
    assert migrated.cell_name == 'api!cell1'
    assert migrated.flavor.flavorid == booted.flavor.flavorid
    [record] = _migration_rows(moves, booted.uuid)
    assert record['status'] == 'finished'
    assert record['source_compute'] == 'api!cell1@' + booted.host
    assert record['dest_compute'] == 'api!cell1@' + migrated.host
    assert moves.tree.db('cell1').migration_get_all(
        ADMIN, {'instance_uuid': booted.uuid})[0]['migration_type'] == \
        'migration'

    moves.api.confirm_resize(admin(), migrated)
    confirmed = moves.settled(booted.uuid, vm_state=vm_states.ACTIVE)
    assert confirmed.host == migrated.host
    assert confirmed.power_state == power_state.RUNNING
    assert moves.used_mb_in('cell1') == {booted.node: 0,
                                         migrated.node: 512}
    assert [r['status'] for r in _migration_rows(moves, booted.uuid)] == [
        'confirmed']


def test_migrate_within_a_cell_to_a_host_then_revert(moves):
    booted = moves.boot_in('cell1')
    other = ({'cell1-compute1', 'cell1-compute2'} - {booted.host}).pop()
    moves.api.migrate(admin(), booted, host=other)
    migrated = moves.settled(booted.uuid, vm_state=vm_states.RESIZED)
    assert migrated.host == other
    moves.api.revert_resize(admin(), migrated)
    reverted = moves.settled(booted.uuid, vm_state=vm_states.ACTIVE)
    assert reverted.host == booted.host
    assert moves.used_mb_in('cell1') == {booted.node: 512,
                                         migrated.node: 0}


def test_migrate_checks_host_and_state_and_changes_nothing(moves):
    booted = moves.boot_in('cell1')
    for host, error in (('nowhere', exception.ComputeHostNotFound),
                        ('api!cell2@nowhere', exception.ComputeHostNotFound),
                        (booted.host, exception.CannotMigrateToSameHost),
                        ('api!cell1@' + booted.host,
                         exception.CannotMigrateToSameHost),
                        ('api!nocell', exception.CannotMigrateToCell),
                        ('api!cell2!gc', exception.CannotMigrateToCell),
                        ('cell2', exception.ComputeHostNotFound)):
        with pytest.raises(error):
            moves.api.migrate(admin(), moves.top(booted.uuid), host=host)
    moves.api.pause(admin(), booted)
    paused = moves.settled(booted.uuid, vm_state=vm_states.PAUSED)
    with pytest.raises(exception.InstanceInvalidState):
        moves.api.migrate(admin(), paused)
    with pytest.raises(exception.InstanceInvalidState):
        moves.api.migrate(admin(), paused, host='api!cell2')
    assert moves.top(booted.uuid).task_state is None
    assert not _migration_rows(moves, booted.uuid)
    assert not moves.top_migrations(booted.uuid)
    assert 'migrate' not in {a['action'] for a in
                             moves.api.get_instance_actions(admin(),
                                                            booted.uuid)}


def test_no_valid_host_puts_it_back_with_an_error_event(moves):
    booted = moves.boot_in('cell1')
    other = ({'cell1-compute1', 'cell1-compute2'} - {booted.host}).pop()
    moves.api.host_api.service_update(
        admin(), 'api!cell1@' + other, 'nova-compute', {'disabled': True})
    try:
        moves.api.migrate(admin(), booted)
        back = moves.settled(booted.uuid, vm_state=vm_states.ACTIVE)
        inproc_tree.wait_for(lambda: moves.top(booted.uuid).fault, 10,
                             what='a fault')
        assert 'No valid host' in moves.top(booted.uuid).fault.message
        assert back.host == booted.host

        def migrate_events():
            return [e for a in moves.api.get_instance_actions(
                admin(), booted.uuid) if a['action'] == 'migrate'
                for e in moves.api.get_instance_action(
                    admin(), booted.uuid, a['request_id'])['events']]
        events = inproc_tree.wait_for(migrate_events, 10, what='events')
        assert [(e['event'], e['result']) for e in events] == [
            ('cold_migrate', 'Error')]
    finally:
        moves.api.host_api.service_update(
            admin(), 'api!cell1@' + other, 'nova-compute',
            {'disabled': False})


# -- between cells ------------------------------------------------------

def _moved(moves, cell='cell1', to='api!cell2', stop=False):
    booted = moves.boot_in(cell)
    if stop:
        moves.api.stop(admin(), booted)
        booted = moves.settled(booted.uuid, vm_state=vm_states.STOPPED)
    moves.api.migrate(admin(), booted, host=to)

    def verify_resize():
        rows = moves.rows(booted.uuid)
        target = to.split('!')[1] if '!' in to else None
        if rows['api']['vm_state'] != vm_states.RESIZED or \
                rows['api']['task_state'] is not None:
            return None
        if target and rows.get(target, {}).get('vm_state') != \
                vm_states.RESIZED:
            return None
        return rows
    rows = inproc_tree.wait_for(verify_resize, 15, what='VERIFY_RESIZE')
    return booted, rows


def test_move_between_cells_then_confirm(moves):
    booted, rows = _moved(moves)
    # Both cells hold it until the confirm; the source owns it.
    assert set(rows) == {'api', 'cell1', 'cell2'}
    assert rows['api']['cell_name'] == 'api!cell1'
    assert rows['cell2']['host'].startswith('cell2-')
    assert rows['cell2']['power_state'] == power_state.RUNNING
    [record] = moves.top_migrations(booted.uuid)
    assert (record['source_cell'], record['dest_cell'],
            record['status']) == ('api!cell1', 'api!cell2', 'finished')
    listed = [m for m in _migration_rows(moves, booted.uuid)
              if m['dest_compute'] and 'cell2' in m['dest_compute']]
    assert listed and listed[0]['source_compute'] == \
        'api!cell1@' + booted.host
    # A rename during the move reaches the new cell.
    moves.api.update_instance(admin(), moves.top(booted.uuid),
                              {'display_name': 'renamed'})

    moves.api.confirm_resize(admin(), moves.top(booted.uuid))
    confirmed = moves.in_one_cell(booted.uuid, 'cell2',
                                  vm_state=vm_states.ACTIVE,
                                  display_name='renamed')
    assert confirmed.power_state == power_state.RUNNING
    assert confirmed.network_info and confirmed.network_info != \
        booted.network_info
    assert set(moves.used_mb_in('cell1').values()) == {0}
    assert sum(moves.used_mb_in('cell2').values()) == 512
    moves.wait_status(booted.uuid, 'confirmed')
    # It acts in its new cell.
    moves.api.stop(admin(), confirmed)
    moves.in_one_cell(booted.uuid, 'cell2', vm_state=vm_states.STOPPED)


def test_move_between_cells_then_revert(moves):
    booted, rows = _moved(moves)
    moves.api.revert_resize(admin(), moves.top(booted.uuid))
    reverted = moves.in_one_cell(booted.uuid, 'cell1',
                                 vm_state=vm_states.ACTIVE)
    assert reverted.host == booted.host
    assert reverted.power_state == power_state.RUNNING
    assert reverted.network_info == booted.network_info
    assert set(moves.used_mb_in('cell2').values()) == {0}
    moves.wait_status(booted.uuid, 'reverted')


def test_a_stopped_server_moves_stopped(moves):
    booted, rows = _moved(moves, stop=True)
    assert rows['cell2']['power_state'] == power_state.SHUTDOWN
    moves.api.confirm_resize(admin(), moves.top(booted.uuid))
    moved = moves.in_one_cell(booted.uuid, 'cell2',
                              vm_state=vm_states.STOPPED)
    assert moved.power_state == power_state.SHUTDOWN


def test_a_move_to_a_cell_without_room_changes_nothing(moves, monkeypatch):
    booted = moves.boot_in('cell1', flavorid='1')
    mover = moves.tree.cells_manager('api').mover
    state = moves.tree.cells_manager('api').state
    cell2 = state.get_child_cell('cell2')
    # cell2's next report would give its room back within the test:
    # the top ignores its reports until the test is done.
    report = state.update_cell_capacities
    monkeypatch.setattr(state, 'update_cell_capacities',
                        lambda name, caps: None if name == 'cell2'
                        else report(name, caps))
    saved = cell2.capacities
    cell2.capacities = {'ram_free': {'total_mb': 0, 'units_by_mb': {
        str(2 ** n): 0 for n in range(6, 18)}}, 'disk_free': saved.get(
            'disk_free', {})}
    try:
        with pytest.raises(exception.CannotMigrateToCell):
            moves.api.migrate(admin(), booted, host='api!cell2')
        with pytest.raises(exception.CannotMigrateToCell):
            moves.api.migrate_to_cell(admin(), booted)
    finally:
        cell2.capacities = saved
    assert mover is not None
    assert moves.top(booted.uuid).task_state is None
    assert not moves.top_migrations(booted.uuid)
    assert set(moves.rows(booted.uuid)) == {'api', 'cell1'}


def test_a_move_that_fails_in_the_target_stays_in_the_source(moves):
    booted = moves.boot_in('cell1')
    drivers = [svc.manager.driver for svc in
               moves.tree.runtimes['cell2'].services['compute']]

    def failing(*args, **kwargs):
        raise RuntimeError('no disk for you')
    for driver in drivers:
        driver.finish_migration = failing
    try:
        moves.api.migrate(admin(), booted, host='api!cell2')
        back = moves.in_one_cell(booted.uuid, 'cell1',
                                 vm_state=vm_states.ACTIVE)
    finally:
        for driver in drivers:
            del driver.finish_migration
    assert back.host == booted.host
    assert back.power_state == power_state.RUNNING
    inproc_tree.wait_for(lambda: moves.top(booted.uuid).fault, 10,
                         what='a fault')
    assert 'cell2' in moves.top(booted.uuid).fault.message
    moves.wait_status(booted.uuid, 'error')
    assert set(moves.used_mb_in('cell2').values()) == {0}


def test_a_move_cut_short_is_undone_by_the_keeper(moves):
    """The API cell's nova-cells stopped driving a move (it was
    restarted, say): the keeper undoes it after heal_interval."""
    booted = moves.boot_in('cell1')
    manager = moves.tree.cells_manager('api')
    ctxt = admin()
    # A move recorded and half done: the source stopped the guest.
    migration = manager.mover.db.migration_create(ctxt, {
        'instance_uuid': booted.uuid, 'source_cell': 'api!cell1',
        'dest_cell': 'api!cell2', 'status': 'migrating',
        'migration_type': 'migration'})
    manager.mover._call(ctxt, 'api!cell1', 'move_out',
                        instance_uuid=booted.uuid, dest_cell='api!cell2')
    inproc_tree.wait_for(
        lambda: moves.top(booted.uuid).task_state == 'resize_migrating', 10,
        what='the source moving out')
    assert manager.mover.run_once() == 0      # not stale yet
    later = migration['created_at'].replace(year=2100)
    assert manager.mover.run_once(now=later) == 1
    back = moves.in_one_cell(booted.uuid, 'cell1', vm_state=vm_states.ACTIVE)
    assert back.power_state == power_state.RUNNING
    moves.wait_status(booted.uuid, 'error')


def test_delete_during_verify_resize_leaves_no_copy(moves):
    booted, _ = _moved(moves)
    moves.api.delete(admin(), moves.top(booted.uuid))
    inproc_tree.wait_for(lambda: set(moves.rows(booted.uuid)) == set(), 15,
                         what='no copy left')
    assert set(moves.used_mb_in('cell2').values()) == {0}


# -- drain --------------------------------------------------------------

def test_drain_moves_every_server_out_and_stops_builds(moves):
    booted = [moves.boot_in('cell1') for _ in range(3)]
    lines = []
    tree = moves.tree
    cells = cells_rpcapi.CellsAPI(tree.confs['api'],
                                  tree.runtimes['api'].transport)
    try:
        left = cell_drain.drain(tree.confs['api'], tree.db('api'), cells,
                                'cell1', timeout=30, say=lines.append)
        assert left == 0
        assert lines[0] == 'cell1 disabled: no new builds; 3 instance(s) ' \
                           'to move'
        assert len([x for x in lines if '-> api!cell2' in x]) == 3
        for server in booted:
            moves.in_one_cell(server.uuid, 'cell2',
                              vm_state=vm_states.ACTIVE)
        assert not tree.live_instances('cell1')
        assert tree.db('api').cell_get(ADMIN, 'cell1')['disabled']
        # The cell scheduler skips it: a new build lands in cell2.
        flavor = moves.api.flavor_get(admin(), '1')
        [new], _ = moves.api.create(nova_context.RequestContext(
            'user1', 'project1'), flavor, helpers.IMAGE, 'after')
        moves.booted.append(new.uuid)
        assert moves.in_one_cell(new.uuid, 'cell2',
                                 vm_state=vm_states.ACTIVE)
    finally:
        cells.cell_update(admin(), 'cell1', {'disabled': False})


def test_a_leftover_copy_in_the_old_cell_is_dropped(moves):
    booted, _ = _moved(moves)
    moves.api.confirm_resize(admin(), moves.top(booted.uuid))
    moves.in_one_cell(booted.uuid, 'cell2', vm_state=vm_states.ACTIVE)
    # A step that came too late left a copy in cell1: its update reaches
    # the top, which another cell's copy does not change, and it goes.
    moves.tree.db('cell1').instance_create(ADMIN, {
        'uuid': booted.uuid, 'vm_state': vm_states.ACTIVE,
        'display_name': 'ghost', 'project_id': 'project1',
        'user_id': 'user1'})
    inproc_tree.wait_for(
        lambda: set(moves.rows(booted.uuid)) == {'api', 'cell2'}, 15,
        what='the leftover dropped')
    moves.in_one_cell(booted.uuid, 'cell2', vm_state=vm_states.ACTIVE)
    assert moves.top(booted.uuid).display_name == 'vm'
