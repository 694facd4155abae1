"""The fake driver records the security group rules it is given, per
guest, so that tests see what a host would filter by."""

import types

from nova import conf as nova_conf
from nova.virt import fake

RULE = {'security_group': 'web', 'protocol': 'tcp', 'from_port': 80,
        'to_port': 80, 'cidr': '10.0.0.0/8', 'group_id': None}


def _driver():
    conf = nova_conf.new_conf()
    conf(args=[], default_config_files=[])
    return fake.FakeDriver(conf, 'host1')


def _instance(uuid):
    return types.SimpleNamespace(uuid=uuid, flavor=None, image_ref='img',
                                 hostname='vm', metadata={})


def test_rules_are_kept_per_guest_and_go_with_it():
    driver = _driver()
    guest, absent = _instance('g1'), _instance('g2')
    driver.spawn(None, guest, 'host1', [])
    assert driver.security_rules('g1') == []
    other = dict(RULE, protocol='icmp', from_port=-1, to_port=-1)
    driver.refresh_instance_security_rules(guest, [other, RULE])
    assert driver.security_rules('g1') == [other, RULE]
    driver.refresh_instance_security_rules(guest, [RULE])
    assert driver.security_rules('g1') == [RULE]
    # A guest that is not here keeps no rules.
    driver.refresh_instance_security_rules(absent, [RULE])
    assert driver.security_rules('g2') is None
    driver.destroy(None, guest)
    assert driver.security_rules('g1') is None
