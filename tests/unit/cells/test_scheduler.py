"""Cell choice: filters, weighers, room and mute children."""

import random

import pytest
from sqlalchemy import event

from nova import conf as nova_conf
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.cells import scheduler as cells_scheduler
from nova.cells import state as cells_state
from nova.conf import cells as cells_conf


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _conf(overrides=None):
    conf = nova_conf.new_conf()
    conf(args=[], default_config_files=[])
    conf.set_override('name', 'api', 'cells')
    conf.set_override('cell_type', 'api', 'cells')
    conf.set_override('mute_child_interval', 60, 'cells')
    for (name, group), value in (overrides or {}).items():
        conf.set_override(name, value, group)
    return conf


def _capacities(free_mb_per_host):
    return {'ram_free': {'total_mb': sum(free_mb_per_host),
                         'units_by_mb': cells_state.units_by_mb(
                             free_mb_per_host, cells_state.UNIT_SIZES_MB, 0)},
            'disk_free': {'total_mb': 10 ** 7,
                          'units_by_mb': {'0': 100, '1024': 1000}}}


def _scheduler(children, conf=None, clock=None):
    conf = conf or _conf()
    clock = clock or Clock()
    state = cells_state.CellStateManager(conf, db=None, clock=clock)
    for name, spec in children.items():
        cell = cells_state.CellState(name)
        cell.update_db_info({'transport_url': 'x://' + name,
                             'weight_offset': spec.get('offset', 0.0)})
        if 'free' in spec:
            cell.capacities = _capacities(spec['free'])
        if not spec.get('mute'):
            cell.last_seen = clock()
        cell.capabilities = spec.get('caps', {})
        state.child_cells[name] = cell
    return cells_scheduler.CellsScheduler(conf, None, state, None, None,
                                          rng=random.Random(1)), clock


def _props(memory_mb=2048, hints=None, image_props=None, admin=True):
    flavor = objects.Flavor(flavorid='2', name='m', memory_mb=memory_mb,
                            vcpus=1, root_gb=1, ephemeral_gb=0)
    return {'instance_type': flavor, 'our_path': 'api',
            'scheduler_hints': hints or {},
            'context': nova_context.RequestContext('u', 'p',
                                                   is_admin=admin),
            'request_spec': {'image': {'properties': image_props or {}}}}


def test_the_child_with_more_room_for_the_flavor_wins():
    sched, _ = _scheduler({'small': {'free': [4096]},
                           'big': {'free': [8192, 8192]}})
    assert sched.select(_props()).name == 'big'


def test_a_child_without_room_is_never_chosen():
    sched, _ = _scheduler({'full': {'free': [1024]},
                           'roomy': {'free': [4096]}})
    for _ in range(2):
        assert sched.select(_props(memory_mb=2048)).name == 'roomy'


def test_nothing_fits_anywhere():
    sched, _ = _scheduler({'a': {'free': [512]}, 'b': {'free': [1024]}})
    with pytest.raises(exception.NoCellsAvailable):
        sched.select(_props(memory_mb=4096))


def test_a_mute_child_is_not_chosen_while_another_fits():
    sched, clock = _scheduler({'quiet': {'free': [65536] * 4},
                               'alive': {'free': [4096]}})
    clock.now += 120   # both silent for longer than mute_child_interval
    sched.state.get_child_cell('alive').last_seen = clock.now
    assert sched.select(_props()).name == 'alive'


def test_a_mute_child_is_still_used_when_it_is_the_only_one():
    sched, _ = _scheduler({'quiet': {'mute': True}})
    assert sched.select(_props()).name == 'quiet'


def test_weight_offset_beats_room():
    conf = _conf({('offset_weight_multiplier', 'cells'): 1.0})
    sched, _ = _scheduler({'preferred': {'free': [4096], 'offset': 50.0},
                           'roomy': {'free': [65536] * 8}}, conf=conf)
    assert sched.select(_props()).name == 'preferred'


def test_choices_consume_room_so_builds_spread():
    sched, _ = _scheduler({'a': {'free': [8192]}, 'b': {'free': [8192]}})
    chosen = [sched.select(_props(memory_mb=2048)).name for _ in range(8)]
    assert sorted(chosen) == ['a'] * 4 + ['b'] * 4
    with pytest.raises(exception.NoCellsAvailable):
        sched.select(_props(memory_mb=2048))


def test_target_cell_picks_the_child_on_the_way():
    sched, _ = _scheduler({'a': {'free': [65536]}, 'b': {'free': [4096]}})
    props = _props(hints={'target_cell': 'api!b!deeper'})
    assert sched.select(props).name == 'b'


def test_target_and_different_cell_hints_need_an_admin():
    sched, _ = _scheduler({'a': {'free': [65536]}, 'b': {'free': [4096]}})
    props = _props(hints={'target_cell': 'api!b',
                          'different_cell': 'api!a'}, admin=False)
    assert sched.select(props).name == 'a'


def test_different_cell_avoids_the_hinted_cells():
    sched, _ = _scheduler({'a': {'free': [65536]}, 'b': {'free': [4096]}})
    assert sched.select(_props(hints={'different_cell': ['api!a']})
                        ).name == 'b'


def test_same_host_keeps_to_the_cells_holding_a_named_server():
    sched, _ = _scheduler({'a': {'free': [65536]}, 'b': {'free': [4096]},
                           'c': {'free': [4096]}})
    props = _props(hints={'same_host': 'x'}, admin=False)
    props['same_host_cells'] = ['api!b!deeper', 'elsewhere!c']
    assert sched.select(props).name == 'b'
    props['same_host_cells'] = ['api!b', 'api!c']
    assert {sched.select(props).name for _ in range(3)} == {'b', 'c'}
    # Named servers that are in no cell: no cell at all.
    props['same_host_cells'] = []
    with pytest.raises(exception.NoCellsAvailable):
        sched.select(props)


def test_same_host_with_our_own_hosts():
    from nova.cells.filters import hints
    cells = [cells_state.CellState('me', is_me=True),
             cells_state.CellState('kid')]
    props = {'our_path': 'api!me', 'same_host_cells': ['api!me']}
    assert [c.name for c in hints.SameHostCellFilter().filter_all(
        cells, props)] == ['me']
    props['same_host_cells'] = ['api!me!kid!gc']
    assert [c.name for c in hints.SameHostCellFilter().filter_all(
        cells, props)] == ['kid']
    del props['same_host_cells']
    assert len(hints.SameHostCellFilter().filter_all(cells, props)) == 2


@pytest.mark.parametrize('requires,expected', [
    ('>=6.0,<6.2', 'old'), ('>=7', 'new'), (None, 'new')])
def test_image_hypervisor_version_requirement(requires, expected):
    sched, _ = _scheduler({
        'old': {'free': [4096],
                'caps': {'prominent_hypervisor_version': {'6.1'}}},
        'new': {'free': [65536],
                'caps': {'prominent_hypervisor_version': {'7.2'}}}})
    props = _props(image_props={'hypervisor_version_requires': requires}
                   if requires else {})
    assert sched.select(props).name == expected


def test_units_by_mb_counts_host_by_host_minus_the_reserve():
    units = cells_state.units_by_mb([3000, 1000], [512, 1024, 4096], 10.0)
    # 2700 // 512 + 900 // 512 = 5 + 1
    assert units == {'512': 6, '1024': 2, '4096': 0}


@pytest.mark.parametrize('entry', ['novalue', '=x', ''])
def test_bad_capabilities_are_refused(entry):
    with pytest.raises(exception.InvalidCellConfig):
        cells_conf.parse_capabilities([entry])


def test_capabilities_parse_into_sets():
    assert cells_conf.parse_capabilities(
        ['hypervisor=kvm;xen', 'os=linux']) == {
            'hypervisor': {'kvm', 'xen'}, 'os': {'linux'}}


class _ComputeCellDB:
    """A compute cell's database: one up host with ``free_mb`` of RAM;
    counts the reads."""

    def __init__(self, free_mb):
        self.free_mb = free_mb
        self.reads = 0

    def service_get_all(self, ctxt, binary=None):
        return [{'host': 'h1', 'disabled': False}]

    def compute_node_get_all(self, ctxt):
        self.reads += 1
        return [{'host': 'h1', 'memory_mb': self.free_mb,
                 'memory_mb_used': 0, 'local_gb': 100, 'local_gb_used': 0}]

    def aggregate_host_metadata(self, ctxt):
        return {}


def test_a_compute_cell_reads_its_hosts_once_a_while_and_counts_between(
        monkeypatch):
    from nova import servicegroup
    monkeypatch.setattr(servicegroup, 'service_is_up', lambda *a: True)
    conf = _conf({('cell_type', 'cells'): 'compute',
                  ('name', 'cells'): 'leaf',
                  ('reserve_percent', 'cells'): 0.0})
    clock = Clock()
    sched, _ = _scheduler({}, conf, clock)
    db = sched.state.db = _ComputeCellDB(free_mb=3 * 2048)
    props = _props(memory_mb=2048)
    for _ in range(3):
        assert sched.select(props).is_me
    # One read for the burst; the three builds were counted since.
    assert db.reads == 1
    with pytest.raises(exception.NoCellsAvailable):
        sched.select(props)
    # A retry looks again (room may have come back), as does any
    # selection once the figures are a second old.
    db.free_mb = 4 * 2048
    assert sched.select(props, fresh=True).is_me
    assert db.reads == 2
    sched.select(props)
    assert db.reads == 2
    clock.now += cells_scheduler.OWN_CAPACITIES_MAX_AGE
    sched.select(props)
    assert db.reads == 3


class _HostScheduler:
    def __init__(self):
        self.builds = []

    def build_instances(self, ctxt, instances, request_spec, fprops):
        self.builds.append([i.uuid for i in instances])


def _scheduler_building_here(db):
    """A cell scheduler of a cell with hosts, and its host scheduler."""
    conf = _conf()
    host_scheduler = _HostScheduler()
    scheduler = cells_scheduler.CellsScheduler(
        conf, db, cells_state.CellStateManager(conf, db=None, clock=Clock()),
        None, host_scheduler)
    return scheduler, host_scheduler


def test_a_build_here_creates_the_instance_once(db):
    ctxt = nova_context.get_admin_context()
    scheduler, host_scheduler = _scheduler_building_here(db)
    uuids = ['00000000-0000-4000-8000-00000000c00%d' % i for i in range(3)]

    def build(*picked):
        scheduler._build_here(ctxt, {'instances': [
            objects.Instance(uuid=uuids[i], project_id='p1',
                             vm_state='building', task_state='scheduling')
            for i in picked]})

    build(0, 1)
    assert host_scheduler.builds == [uuids[:2]]
    # The same build again (a retry): the instance held goes on, a new
    # one is created, one deleted meanwhile stays deleted.
    db.instance_update(ctxt, uuids[0], {'display_name': 'kept'})
    db.instance_destroy(ctxt, uuids[1])
    build(0, 1, 2)
    assert host_scheduler.builds[-1] == [uuids[0], uuids[2]]
    assert db.instance_get_by_uuid(ctxt, uuids[0])['display_name'] == 'kept'
    assert len(db.instance_get_all_by_filters(ctxt, {})) == 2
    # Only the deleted one in the build: nothing to hand on.
    build(1)
    assert len(host_scheduler.builds) == 2


def test_a_build_here_puts_its_instances_in_their_groups(db):
    ctxt = nova_context.get_admin_context()
    scheduler, host_scheduler = _scheduler_building_here(db)
    uuids = ['00000000-0000-4000-8000-00000000c01%d' % i for i in range(2)]

    def group(group_id, name, port):
        return {'id': group_id, 'name': name, 'description': name,
                'user_id': 'u1', 'project_id': 'p1',
                'rules': [{'id': group_id * 10, 'parent_group_id': group_id,
                           'protocol': 'tcp', 'from_port': port,
                           'to_port': port, 'cidr': '0.0.0.0/0',
                           'group_id': None}]}

    def build(groups, *picked):
        scheduler._build_here(ctxt, {
            'instances': [objects.Instance(uuid=uuids[i], project_id='p1',
                                           vm_state='building',
                                           task_state='scheduling')
                          for i in picked],
            'request_spec': {'security_groups': groups}})

    def groups_of(i):
        return [(g['name'], [r['to_port'] for r in g['rules']])
                for g in db.instance_security_groups(ctxt, uuids[i])]

    build([group(1, 'default', 22), group(2, 'web', 80)], 0)
    assert groups_of(0) == [('default', [22]), ('web', [80])]
    # A new build in a group whose rules changed at the top meanwhile.
    build([group(2, 'web', 443)], 1)
    assert groups_of(1) == [('web', [443])]
    assert groups_of(0) == [('default', [22]), ('web', [443])]
    # A retry of the first build, sent with other groups: those are its
    # groups now.
    build([group(1, 'default', 22)], 0)
    assert groups_of(0) == [('default', [22])]
    assert groups_of(1) == [('web', [443])]


def test_a_build_here_writes_its_groups_with_its_first_instance(db):
    # The copies of the build's groups and its first instance are one
    # transaction: both or neither.
    ctxt = nova_context.get_admin_context()
    scheduler, host_scheduler = _scheduler_building_here(db)
    uuids = ['00000000-0000-4000-8000-00000000c02%d' % i for i in range(2)]
    group = {'id': 5, 'name': 'web', 'description': 'web', 'user_id': 'u1',
             'project_id': 'p1', 'rules': []}
    commits = []
    event.listen(db.engine, 'commit', lambda conn: commits.append(1))

    scheduler._build_here(ctxt, {
        'instances': [objects.Instance(uuid=u, project_id='p1',
                                       vm_state='building',
                                       task_state='scheduling')
                      for u in uuids],
        'request_spec': {'security_groups': [group]}})

    assert len(commits) == 2
    assert [[g['name'] for g in db.instance_security_groups(ctxt, u)]
            for u in uuids] == [['web'], ['web']]
    assert host_scheduler.builds == [uuids]


def test_creating_an_instance_twice_is_refused(db):
    ctxt = nova_context.get_admin_context()
    values = {'uuid': '00000000-0000-4000-8000-00000000c0ff',
              'project_id': 'p1', 'metadata': {'a': '1'}}
    db.instance_create(ctxt, values)
    with pytest.raises(exception.InstanceExists):
        db.instance_create(ctxt, values)
    db.instance_destroy(ctxt, values['uuid'])
    with pytest.raises(exception.InstanceExists):
        db.instance_create(ctxt, values)


# -- availability zones ----------------------------------------------------

def _zoned(zones, below=None):
    """Capacities of a child whose own hosts are in ``zones`` (name ->
    (hosts, free MB per host)); ``below``: its children's, by name."""
    own = _capacities([f for _, frees in zones.values() for f in frees])
    own['zones'] = {name: dict(_capacities(frees), hosts=hosts)
                    for name, (hosts, frees) in zones.items()}
    return dict(own, cells=dict({'me': own}, **(below or {})))


def _zone_props(zone=None, **extra):
    props = _props()
    props['request_spec']['availability_zone'] = zone
    props.update(extra)
    return props


def test_only_cells_with_hosts_in_the_zone_and_room_there_are_chosen():
    sched, _ = _scheduler({'east': {'free': [65536]},
                           'west': {'free': [65536]},
                           'both': {'free': [65536]}})
    children = sched.state.child_cells
    children['east'].capacities = _zoned({'east': (['e1'], [65536])})
    children['west'].capacities = _zoned({'west': (['w1'], [65536])})
    # "both" has zone east through a cell below it, without room.
    children['both'].capacities = _zoned(
        {'west': (['b1'], [65536])},
        below={'gc': {'zones': {'east': dict(_capacities([1024]),
                                             hosts=['g1'])}}})
    for _ in range(5):
        assert sched.select(_zone_props('east')).name == 'east'
    assert {sched.select(_zone_props('west')).name
            for _ in range(20)} == {'west', 'both'}
    with pytest.raises(exception.NoCellsAvailable):
        sched.select(_zone_props('nowhere'))
    children['both'].capacities['cells']['gc']['zones']['east'] = dict(
        _capacities([65536]), hosts=['g1'])
    assert {sched.select(_zone_props('east')).name
            for _ in range(20)} == {'east', 'both'}


def test_a_named_host_takes_the_build_to_its_cell():
    sched, _ = _scheduler({'c1': {'free': [65536]}, 'c2': {'free': [65536]}})
    children = sched.state.child_cells
    children['c1'].capacities = _zoned({'nova': (['h1'], [65536])})
    children['c2'].capacities = _zoned({'az2': (['h2'], [65536])})
    for _ in range(5):
        assert sched.select(_zone_props(
            'nova', force_hosts=['h2'])).name == 'c2'
        assert sched.select(_zone_props(
            None, force_hosts=['h1'], force_cell='api!c1')).name == 'c1'
    with pytest.raises(exception.NoCellsAvailable):
        sched.select(_zone_props(None, force_hosts=['h9']))
    with pytest.raises(exception.NoCellsAvailable):
        sched.select(_zone_props(None, force_hosts=['h1'],
                                 force_cell='other!c1'))


def test_zones_are_reported_with_the_paths_of_their_cells(monkeypatch):
    from nova import servicegroup
    monkeypatch.setattr(servicegroup, 'service_is_up',
                        lambda service, *a: not service['down'])
    conf = _conf({('cell_type', 'cells'): 'compute',
                  ('name', 'cells'): 'mid'})
    state = cells_state.CellStateManager(conf, _ZonedDB(), clock=Clock())
    child = cells_state.CellState('leaf')
    child.update_db_info({'transport_url': 'x://leaf'})
    child.capacities = {'cells': {
        'leaf': {'path': 'leaf', 'zones': {'az9': {'hosts': ['l1']}}},
        'deep': {'path': 'leaf!deep', 'zones': {'az9': {'hosts': ['d1']}}}}}
    state.child_cells['leaf'] = child
    caps = state.get_our_capacities()
    cells = caps['cells']
    assert {name: c['path'] for name, c in cells.items()} == {
        'mid': 'mid', 'leaf': 'mid!leaf', 'deep': 'mid!leaf!deep'}
    own = cells['mid']['zones']
    assert own['az1']['hosts'] == ['h1']
    assert own['nova']['hosts'] == ['h2', 'h3']
    # The disabled host is in no zone; the down one counts no room.
    assert own['nova']['ram_free']['total_mb'] == 4096
    assert 'h4' not in str(own)


class _ZonedDB:
    """A compute cell: h1 in az1 (an aggregate), h2 and h3 in the default
    zone (h3 down), h4 disabled."""

    def service_get_all(self, ctxt, binary=None):
        return [{'host': h, 'disabled': h == 'h4', 'down': h == 'h3'}
                for h in ('h1', 'h2', 'h3', 'h4')]

    def compute_node_get_all(self, ctxt):
        return [{'host': h, 'memory_mb': 4096, 'memory_mb_used': 0,
                 'local_gb': 10, 'local_gb_used': 0}
                for h in ('h1', 'h2', 'h3', 'h4')]

    def aggregate_host_metadata(self, ctxt):
        return {'h1': {'availability_zone': {'az1'}}, 'h2': {}}


class _Runner:
    def __init__(self):
        self.sent = []

    def targeted(self, ctxt, path, method, kwargs):
        self.sent.append((path, method))


def _build(uuid):
    flavor = objects.Flavor(flavorid='2', name='m', memory_mb=512,
                            vcpus=1, root_gb=1, ephemeral_gb=0)
    instance = objects.Instance(uuid=uuid, flavor=flavor)
    return {'instances': [instance], 'instance_type': flavor,
            'request_spec': {'image': {'properties': {}}},
            'filter_properties': {'scheduler_hints': {}}}


def test_a_build_sent_again_goes_to_the_child_it_went_to_first():
    # cell2 has more room, so a fresh choice would be cell2: a copy sent
    # again must still go where the first (maybe only late) copy went.
    scheduler, _ = _scheduler({'cell1': {'free': [4096]},
                               'cell2': {'free': [8192] * 4}})
    scheduler.runner = runner = _Runner()
    ctxt = nova_context.get_admin_context()
    scheduler._dispatch(ctxt, scheduler.state.get_child_cell('cell1'),
                        _build('u1'))
    scheduler.build_again(ctxt, _build('u1'))
    scheduler.build_again(ctxt, _build('u2'))
    assert runner.sent == [('api!cell1', 'build_instances'),
                           ('api!cell1', 'build_instances'),
                           ('api!cell2', 'build_instances')]
