"""What a request context keeps when it crosses to another cell."""

import pytest

from nova import context as nova_context


def _identity(ctxt):
    return (ctxt.user_id, ctxt.project_id, ctxt.is_admin, ctxt.read_deleted,
            ctxt.roles, ctxt.request_id, ctxt.global_request_id)


@pytest.mark.parametrize('ctxt', [
    nova_context.RequestContext('u1', 'p1', roles=['member', 'reader'],
                                global_request_id='req-global',
                                auth_token='secret', user_name='alice'),
    nova_context.RequestContext('u2', 'p2', roles=['admin'],
                                read_deleted='yes'),
    nova_context.get_admin_context(read_deleted='only'),
])
def test_the_wire_form_rebuilds_the_same_context(ctxt):
    wire = ctxt.to_wire()
    assert _identity(nova_context.RequestContext.from_dict(wire)) == \
        _identity(ctxt)
    # The full form rebuilds no more than the wire form does.
    assert _identity(nova_context.RequestContext.from_dict(
        ctxt.to_dict())) == _identity(ctxt)


def test_the_wire_form_carries_neither_empty_fields_nor_the_token():
    ctxt = nova_context.RequestContext('u1', None, auth_token='secret')
    wire = ctxt.to_wire()
    assert 'project_id' not in wire and 'global_request_id' not in wire
    assert 'auth_token' not in wire
    assert None not in wire.values()
