"""Host filters on zones, image properties and hosts to avoid."""

import pytest

from nova.scheduler import host_manager
from nova.scheduler.filters import placement


def _host(**values):
    return host_manager.HostState(host='h1', nodename='h1', **values)


def test_zone_filter():
    flt = placement.AvailabilityZoneFilter()
    in_az1 = _host(availability_zone='az1')
    assert flt.host_passes(in_az1, {})
    assert flt.host_passes(in_az1, {'request_spec': {
        'availability_zone': 'az1'}})
    assert not flt.host_passes(in_az1, {'request_spec': {
        'availability_zone': 'az2'}})


def test_image_hypervisor_type_filter():
    flt = placement.ImagePropertiesFilter()
    fake = _host(hypervisor_type='fake')

    def spec(**props):
        return {'request_spec': {'image': {'properties': props}}}
    assert flt.host_passes(fake, {})
    assert flt.host_passes(fake, spec())
    assert flt.host_passes(fake, spec(hypervisor_type='FAKE'))
    assert flt.host_passes(fake, spec(img_hv_type='fake'))
    assert not flt.host_passes(fake, spec(hypervisor_type='kvm'))


def test_ignore_hosts_filter():
    flt = placement.IgnoreHostsFilter()
    assert flt.host_passes(_host(), {})
    assert not flt.host_passes(_host(), {'ignore_hosts': ['h1']})


def _flavor(**extra_specs):
    from nova import objects
    return objects.Flavor(memory_mb=512, vcpus=1, root_gb=1,
                          extra_specs=extra_specs)


def test_aggregate_extra_specs_filter():
    from nova.scheduler.filters import aggregates
    flt = aggregates.AggregateInstanceExtraSpecsFilter()
    fast = _host(aggregate_metadata={'ssd': {'true'}, 'speed': {'12'},
                                     'gpu': {'a100', 'h100'}})
    bare = _host()

    def passes(host, **specs):
        return flt.host_passes(host, {'flavor': _flavor(**specs)})
    assert passes(bare) and passes(fast)
    scoped = 'aggregate_instance_extra_specs:'
    assert passes(fast, **{scoped + 'ssd': 'true'})
    assert not passes(bare, **{scoped + 'ssd': 'true'})
    assert not passes(fast, **{scoped + 'ssd': 'false'})
    # Unscoped keys count, other scopes do not.
    assert not passes(fast, ssd='false')
    assert passes(fast, **{'hw:cpu_policy': 'dedicated'})
    # Any aggregate's value may meet it.
    assert passes(fast, **{scoped + 'gpu': 'h100'})
    assert passes(fast, **{scoped + 'speed': '>= 10',
                           scoped + 'gpu': '<or> v100 <or> a100'})
    assert not passes(fast, **{scoped + 'speed': '>= 20'})


@pytest.mark.parametrize('value, requirement, expected', [
    ('true', 'true', True), ('true', 'True', False),
    ('12', '= 10', True), ('8', '= 10', False), ('10', '== 10.0', True),
    ('10', '!= 10', False), ('5', '<= 5', True), ('x', '>= 1', False),
    ('abc', 's== abc', True), ('abc', 's!= abc', False),
    ('b', 's> a', True), ('b', 's< a', False),
    ('sse sse2 avx', '<in> avx', True), ('sse', '<in> avx', False),
    ('sse sse2 avx', '<all-in> sse avx', True),
    ('sse', '<all-in> sse avx', False),
    ('b', '<or> a <or> b', True), ('c', '<or> a <or> b', False),
])
def test_extra_spec_operators(value, requirement, expected):
    from nova.scheduler.filters import aggregates
    assert aggregates.matches(value, requirement) is expected

def test_a_requested_host_is_the_only_one_that_passes():
    flt = placement.IgnoreHostsFilter()
    assert flt.host_passes(_host(), {'requested_host': 'h1'})
    assert not flt.host_passes(_host(), {'requested_host': 'h2'})
    assert not flt.host_passes(_host(), {'requested_host': 'h1',
                                         'ignore_hosts': ['h1']})


@pytest.mark.parametrize('hint', ['u1', ['u1'], ['u9', 'u1']])
def test_same_host_filter(hint):
    from nova.scheduler.filters import affinity
    flt = affinity.SameHostFilter()
    spec = {'scheduler_hints': {'same_host': hint},
            'hint_hosts': {'u1': 'h1', 'u2': 'h2'}}
    assert flt.host_passes(_host(), spec)
    assert not flt.host_passes(
        host_manager.HostState(host='h2', nodename='h2'), spec)
    assert flt.host_passes(_host(), {})
    # None of them here: no host will do.
    assert not flt.host_passes(_host(), {
        'scheduler_hints': {'same_host': ['u9']}, 'hint_hosts': {}})


def test_different_host_filter():
    from nova.scheduler.filters import affinity
    flt = affinity.DifferentHostFilter()
    spec = {'scheduler_hints': {'different_host': ['u1', 'u9']},
            'hint_hosts': {'u1': 'h1', 'u2': 'h2'}}
    assert not flt.host_passes(_host(), spec)
    assert flt.host_passes(
        host_manager.HostState(host='h2', nodename='h2'), spec)
    assert flt.host_passes(_host(), {})
    assert flt.host_passes(_host(), {
        'scheduler_hints': {'different_host': 'u9'}, 'hint_hosts': {}})
