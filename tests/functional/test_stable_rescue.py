"""Stable device rescue from an image, as tempest's
``ServerStableDeviceRescueTest`` does it: snapshot the server, give the
snapshot ``hw_rescue_device`` / ``hw_rescue_bus``, rescue from it,
unrescue."""

import pytest

from nova import context as nova_context
from nova.tests.functional import rest_client as rc
from nova.tools.polling import wait_for

ADMIN_CTXT = nova_context.get_admin_context()


@pytest.fixture(scope='module')
def running(tmp_path_factory):
    yield from rc.running_tree(str(tmp_path_factory.mktemp('rescue')))


def _server(tree, name):
    code, body = rc.boot(tree, name)
    assert code == 202, body
    server_id = body['server']['id']
    rc.settled(tree, server_id, 'ACTIVE', 'demo:demo')
    return server_id


def _rescue_image(tree, server_id, **properties):
    """A snapshot of the server carrying ``properties``, as tempest
    makes it (createImage, then an image update)."""
    code, body = rc.request(
        tree, 'POST', f'/servers/{server_id}/action',
        {'createImage': {'name': 'rescue-of-' + server_id}},
        headers={'OpenStack-API-Version': 'compute 2.45'})
    assert code == 202, body
    image_id = body['image_id']

    def active():
        code, shown = rc.request(tree, 'GET', '/images/' + image_id)
        return code == 200 and shown['image']['status'] == 'ACTIVE'
    wait_for(active, 15, what='snapshot active')
    # The image is ACTIVE in Glance before the server's snapshot task is
    # cleared at the top (its child reports that after): wait for the
    # server as tempest does, ACTIVE with no task.
    rc.settled(tree, server_id, 'ACTIVE', 'demo:demo')
    image = tree.db('api').image_get(ADMIN_CTXT, image_id)
    tree.db('api').image_update(ADMIN_CTXT, image_id, {'properties': dict(
        image.get('properties') or {}, **properties)})
    return image_id


def _act(tree, server_id, body):
    return rc.request(tree, 'POST', f'/servers/{server_id}/action', body)


@pytest.mark.parametrize('device,bus', [
    ('cdrom', 'ide'), ('disk', 'virtio'), ('disk', 'scsi'), ('disk', 'usb')])
def test_rescue_from_an_image_naming_device_and_bus(running, device, bus):
    server_id = _server(running, 'stable-' + bus)
    image_id = _rescue_image(running, server_id, hw_rescue_device=device,
                             hw_rescue_bus=bus)
    code, body = _act(running, server_id,
                      {'rescue': {'rescue_image_ref': image_id}})
    assert code == 200, body
    rc.settled(running, server_id, 'RESCUE', 'demo:demo')
    code, out = _act(running, server_id, {'os-getConsoleOutput': {}})
    assert f'Rescue {device} on bus {bus}' in out['output']
    code, body = _act(running, server_id, {'unrescue': None})
    assert code == 202, body
    rc.settled(running, server_id, 'ACTIVE', 'demo:demo')


@pytest.mark.parametrize('props', [{'hw_rescue_device': 'tape'},
                                   {'hw_rescue_bus': 'pci-e'}])
def test_unknown_rescue_device_or_bus_is_refused(running, props):
    server_id = _server(running, 'stable-bad')
    image_id = _rescue_image(running, server_id, **props)
    code, body = _act(running, server_id,
                      {'rescue': {'rescue_image_ref': image_id}})
    assert code == 400, body
    assert 'not supported' in body['badRequest']['message']
    shown = rc.server(running, server_id, 'demo:demo')
    assert shown['status'] == 'ACTIVE'
    assert shown['OS-EXT-STS:task_state'] is None
