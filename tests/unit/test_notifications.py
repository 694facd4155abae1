"""The notifier of a service: what it sends for each setting, and that
with notifications off it builds nothing."""

import pytest

from nova import conf as nova_conf
from nova import context as nova_context
from nova import notifications
from nova import objects
from nova import rpc
from nova.notifications import payloads
from nova.tests.functional import notification_helpers as notes

UUID = '00000000-0000-4000-8000-0000000000a1'


class _Recorder:
    def __init__(self):
        self.sent = []

    def __getattr__(self, priority):
        return lambda ctxt, event_type, payload: self.sent.append(
            (priority, event_type, payload))


class _Source:
    def __init__(self, versioned=True, legacy=False):
        self.versioned, self.legacy = _Recorder(), _Recorder()
        self.publishers = []
        self._on = (versioned, legacy)

    def versioned_notifier(self, publisher_id):
        self.publishers.append(publisher_id)
        return self.versioned if self._on[0] else None

    def legacy_notifier(self, publisher_id):
        self.publishers.append(publisher_id)
        return self.legacy if self._on[1] else None


def _conf(**notifications_opts):
    conf = nova_conf.new_conf()
    conf(args=[], default_config_files=[])
    for name, value in notifications_opts.items():
        conf.set_override(name, value, 'notifications')
    return conf


def _instance(**values):
    instance = objects.Instance.from_db(dict({
        'uuid': UUID, 'vm_state': 'active', 'task_state': None,
        'power_state': 1, 'display_name': 'vm', 'host': 'h1',
        'user_id': 'u', 'project_id': 'p', 'locked': False,
        'network_info': [{'label': 'net', 'address': '10.0.0.3',
                          'version': '4', 'mac': 'fa:16:3e:00:00:01'}],
        'flavor': objects.Flavor(name='m1.tiny', flavorid='1',
                                 memory_mb=512, vcpus=1)}, **values))
    return instance


def test_with_no_driver_no_transport_and_no_payload_is_built(monkeypatch):
    conf = _conf(notification_format='both')
    factory = rpc.NotifierFactory(conf)
    assert not factory.enabled
    monkeypatch.setattr(payloads.InstanceActionPayload, 'of', _boom)
    notifier = notifications.Notifier(conf, factory, 'nova-compute', 'h1')
    assert not notifier.enabled
    with notifier.action(nova_context.get_admin_context(), _instance(),
                         'reboot'):
        pass
    notifier.instance_action(None, _instance(), 'pause', 'start')
    assert factory._transport is None


def _boom(*args, **kwargs):
    raise AssertionError('a payload was built')


def test_an_action_sends_start_and_end_with_the_refreshed_instance():
    source = _Source()
    notifier = notifications.Notifier(_conf(), source, 'nova-compute', 'h1')
    ctxt = nova_context.RequestContext('alice', 'proj')
    with notifier.action(ctxt, _instance(task_state='rebooting'), 'reboot',
                         refresh=lambda: _instance()):
        pass
    sent = source.versioned.sent
    assert [(p, e) for p, e, _ in sent] == [
        ('info', 'instance.reboot.start'), ('info', 'instance.reboot.end')]
    start, end = (notes.check_payload(p) for _, _, p in sent)
    assert (start.task_state, end.task_state) == ('rebooting', None)
    assert end.action_initiator_user == 'alice'
    assert end.power_state == 'running'
    assert source.publishers[0] == 'nova-compute:h1'


def test_a_failure_sends_error_and_raises_on():
    source = _Source()
    notifier = notifications.Notifier(_conf(default_level='DEBUG'), source,
                                      'nova-compute', 'h1')
    with pytest.raises(RuntimeError):
        with notifier.action(None, _instance(), 'pause'):
            raise RuntimeError('disk on fire')
    (_, _, _), (priority, event_type, payload) = source.versioned.sent
    assert (priority, event_type) == ('error', 'instance.pause.error')
    fault = notes.check_payload(payload).fault
    assert (fault.exception, fault.exception_message) == ('RuntimeError',
                                                          'disk on fire')
    assert source.versioned.sent[0][0] == 'debug'


@pytest.mark.parametrize('mode, old, sent', [
    (None, ('building', 'spawning'), False),
    ('vm_state', ('active', 'rebooting'), False),
    ('vm_state', ('building', 'spawning'), True),
    ('vm_and_task_state', ('active', 'rebooting'), True),
])
def test_instance_update_follows_notify_on_state_change(mode, old, sent):
    source = _Source()
    notifier = notifications.Notifier(_conf(notify_on_state_change=mode),
                                      source, 'nova-compute', 'h1')
    notifier.instance_update(None, _instance(), *old)
    assert bool(source.versioned.sent) == sent
    if sent:
        _, event_type, payload = source.versioned.sent[0]
        assert event_type == 'instance.update'
        update = notes.check_payload(payload).state_update
        assert (update.old_state, update.state) == (old[0], 'active')


def test_the_legacy_format_sends_plain_dicts():
    source = _Source(versioned=False, legacy=True)
    notifier = notifications.Notifier(_conf(), source, 'nova-compute', 'h1')
    notifier.instance_action(None, _instance(), 'power_off', 'end')
    [(priority, event_type, payload)] = source.legacy.sent
    assert event_type == 'compute.instance.power_off.end'
    assert (payload['instance_id'], payload['state'],
            payload['instance_type']) == (UUID, 'active', 'm1.tiny')
    assert source.publishers[1] == 'compute.h1'


def test_a_driver_turns_notifications_on_per_format():
    conf = _conf(notification_format='versioned')
    conf.set_override('driver', ['messagingv2'],
                      'oslo_messaging_notifications')
    factory = rpc.NotifierFactory(conf)
    assert (factory.versioned, factory.legacy) == (True, False)
    conf.set_override('driver', ['noop'], 'oslo_messaging_notifications')
    assert not rpc.NotifierFactory(conf).enabled
