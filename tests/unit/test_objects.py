"""What an object reports as changed and whether a field is set: the
faster forms in nova.objects.base answer as oslo.versionedobjects'
generic ones do."""

from oslo_versionedobjects import base as ovo_base
import pytest

from nova import objects

UUID = '00000000-0000-4000-8000-0000000000e1'


def _generic_changes(obj):
    return ovo_base.VersionedObject.obj_what_changed(obj)


def test_changes_are_the_fields_set_and_the_changed_objects_within():
    instance = objects.Instance(uuid=UUID, vm_state='building')
    instance.flavor = objects.Flavor(name='m1.tiny', memory_mb=512)
    assert instance.obj_what_changed() == {'uuid', 'vm_state', 'flavor'}
    instance.obj_reset_changes(recursive=True)
    assert instance.obj_what_changed() == set()
    # A change inside the flavor is a change of the instance.
    instance.flavor.memory_mb = 1024
    assert instance.obj_what_changed() == {'flavor'}
    instance.task_state = 'spawning'
    assert instance.obj_what_changed() == {'flavor', 'task_state'}
    assert instance.obj_what_changed() == _generic_changes(instance)


def test_set_fields_and_unknown_names():
    instance = objects.Instance(uuid=UUID)
    assert instance.obj_attr_is_set('uuid')
    assert not instance.obj_attr_is_set('host')
    with pytest.raises(AttributeError):
        instance.obj_attr_is_set('no_such_field')


def test_a_primitive_carries_the_changes_and_comes_back_equal():
    instance = objects.Instance(uuid=UUID, vm_state='active', host='h1')
    instance.obj_reset_changes(['uuid'])
    primitive = instance.obj_to_primitive()
    assert sorted(primitive['nova_object.changes']) == ['host', 'vm_state']
    back = objects.Instance.obj_from_primitive(primitive)
    assert (back.uuid, back.vm_state, back.host) == (UUID, 'active', 'h1')
    assert back.obj_what_changed() == {'host', 'vm_state'}


class _GenericSerializer(ovo_base.VersionedObjectSerializer):
    OBJ_BASE_CLASS = objects.NovaObjectSerializer.OBJ_BASE_CLASS


class _Tagged(dict):
    """A dict subclass: it keeps its type through the serializer."""


def _build_arguments():
    flavor = objects.Flavor(id=1, flavorid='1', name='m1.tiny',
                            memory_mb=512, vcpus=1, extra_specs={'a': 'b'})
    instance = objects.Instance(uuid=UUID, vm_state='building', host=None,
                                flavor=flavor)
    return {'instances': [instance], 'instance_type': flavor,
            'request_spec': {
                'image': {'id': 'i1', 'min_ram': 0, 'size': 1.5,
                          'properties': {'os_type': 'linux'},
                          'tags': ('x', 'y'), 'seen': {'only'}},
                'security_groups': [{'id': 1, 'rules': [
                    {'from_port': 22, 'cidr': None, 'enabled': True}]}],
                'flavors': [[flavor, None]], 'tagged': _Tagged(k=flavor)},
            'filter_properties': {}}


def test_the_serializer_gives_what_the_generic_one_gives():
    ours, generic = objects.NovaObjectSerializer(), _GenericSerializer()
    arguments = _build_arguments()

    sent = ours.serialize_entity(None, arguments)
    assert sent == generic.serialize_entity(None, arguments)
    assert type(sent['request_spec']['tagged']) is _Tagged
    assert sent['request_spec']['image']['tags'] == ('x', 'y')
    assert sent['request_spec']['image']['seen'] == ['only']
    assert sent['instances'][0]['nova_object.name'] == 'Instance'

    received = ours.deserialize_entity(None, sent)
    expected = generic.deserialize_entity(None, sent)
    assert ours.serialize_entity(None, received) == sent
    assert generic.serialize_entity(None, expected) == sent
    assert isinstance(received['instances'][0], objects.Instance)
    assert isinstance(received['request_spec']['flavors'][0][0],
                      objects.Flavor)
    assert received['request_spec']['tagged']['k'].name == 'm1.tiny'
    assert received['instances'][0].flavor.extra_specs == {'a': 'b'}
