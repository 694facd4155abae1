"""Stand-ins for the compute exceptions the API tests need.

The compute side adds these to nova.exception; until then the fake compute
API raises look-alikes with the same names, bases and codes, so the API
code path is the one the real exceptions will take. Once nova.exception
has a class, it is used instead.
"""

from __future__ import annotations

from nova import exception


def _standin(name: str, base: type[exception.NovaException],
             msg_fmt: str) -> type[exception.NovaException]:
    existing = getattr(exception, name, None)
    if existing is not None:
        return existing
    return type(name, (base,), {'msg_fmt': msg_fmt, '__module__': __name__})


InstanceIsLocked = _standin('InstanceIsLocked', exception.Conflict,
                            'Instance %(instance_uuid)s is locked')
CannotResizeToSameFlavor = _standin(
    'CannotResizeToSameFlavor', exception.Invalid,
    'When resizing, instances must change flavor!')
InstanceActionNotFound = _standin(
    'InstanceActionNotFound', exception.NotFound,
    'Action for request_id %(request_id)s on instance %(instance_uuid)s '
    'not found')
InstanceMetadataNotFound = _standin(
    'InstanceMetadataNotFound', exception.NotFound,
    'Instance %(instance_uuid)s has no metadata with key %(metadata_key)s.')
KeyPairExists = _standin('KeyPairExists', exception.Conflict,
                         "Key pair '%(key_name)s' already exists.")
KeypairNotFound = _standin('KeypairNotFound', exception.NotFound,
                           'Keypair %(name)s not found for user %(user_id)s')
InvalidKeypair = _standin('InvalidKeypair', exception.Invalid,
                          'Keypair data is invalid: %(reason)s')
FlavorExists = _standin('FlavorExists', exception.Conflict,
                        'Flavor with name %(name)s already exists.')
FlavorIdExists = _standin('FlavorIdExists', exception.Conflict,
                          'Flavor with ID %(flavor_id)s already exists.')
