"""Host filters on zones, image properties and hosts to avoid."""

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


def test_a_requested_host_is_the_only_one_that_passes():
    flt = placement.IgnoreHostsFilter()
    assert flt.host_passes(_host(), {'requested_host': 'h1'})
    assert not flt.host_passes(_host(), {'requested_host': 'h2'})
    assert not flt.host_passes(_host(), {'requested_host': 'h1',
                                         'ignore_hosts': ['h1']})
