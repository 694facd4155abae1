"""What the controllers of a server's sub-resources share.

* :func:`get_server`: a server the caller may see, else 404: servers of
  other projects do not leak their existence to non-admins.
* :func:`target`: the policy target of a server.
* :func:`state_conflicts`: turns the compute API's
  ``InstanceInvalidState`` into Nova's 409 wording, which names the REST
  action rather than the internal method.
* :class:`ActionCall`: one ``POST /servers/{id}/action`` being served.
* :func:`raised`: whether an exception is a compute exception of a given
  name, for those the API handles specially but :mod:`nova.exception`
  does not define (the compute side owns them).
* :class:`HostStatus`: the ``host_status`` of servers (2.16).
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import dataclasses
import re
from typing import Any

from oslo_policy import policy as oslo_policy

from nova import cell_paths
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.api import errors
from nova.api import policy
from nova.api import wsgi

# Control characters other than tab and newline: terminals tolerate them,
# JSON consumers often do not.
_CONTROL_CHARS = re.compile('[\x00-\x08\x0b-\x1f]')


def get_server(compute_api: Any, context: nova_context.RequestContext,
               server_id: str) -> objects.Instance:
    """The server ``server_id``, or 404 if the caller may not see it."""
    instance = compute_api.get(context, server_id)
    if (not context.is_admin
            and instance.project_id != context.project_id):
        raise exception.InstanceNotFound(instance_id=server_id)
    return instance


def authorized_server(compute_api: Any, enforcer: Any,
                      req: wsgi.ApiRequest, server_id: str,
                      rule: str) -> objects.Instance:
    """The server ``server_id`` if the caller may see it (else 404) and
    ``rule`` allows the caller on it (else 403)."""
    instance = get_server(compute_api, req.context, server_id)
    policy.authorize(enforcer, req.context, rule, target=target(instance))
    return instance


def target(instance: objects.Instance) -> dict[str, Any]:
    """The policy target of ``instance``: its project and user."""
    return {'project_id': instance.project_id, 'user_id': instance.user_id}


def invalid_state_message(exc: exception.InstanceInvalidState,
                          action: str, server_id: str) -> str:
    """Nova's explanation of a request the server's state forbids."""
    attr = exc.kwargs.get('attr')
    state = exc.kwargs.get('state')
    if attr is not None and state is not None:
        return (f"Cannot '{action}' instance {server_id} while it is in "
                f"{attr} {state}")
    return f"Instance {server_id} is in an invalid state for '{action}'"


@contextlib.contextmanager
def state_conflicts(action: str, server_id: str) -> Iterator[None]:
    """Re-raise ``InstanceInvalidState`` as a 409 naming ``action``.

    Example::

        with state_conflicts('reboot', instance.uuid):
            compute_api.reboot(context, instance, 'SOFT')
    """
    try:
        yield
    except exception.InstanceInvalidState as exc:
        raise errors.ConflictingRequest(
            reason=invalid_state_message(exc, action, server_id)) from exc


def raised(exc: BaseException, name: str) -> bool:
    """Whether ``exc`` is, or derives from, an exception called ``name``."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def strip_control_chars(text: str) -> str:
    """``text`` without control characters other than tab and newline."""
    return _CONTROL_CHARS.sub('', text)


class ServerSubresource:
    """Base of the controllers of ``/servers/{server_id}/<resource>``:
    ``RULE`` is the policy rule of an action, ``%s`` the action's name."""

    RULE = ''

    def __init__(self, deps: Any) -> None:
        self.compute_api = deps.compute_api
        self.enforcer = deps.enforcer

    def _server(self, req: wsgi.ApiRequest, server_id: str,
                action: str) -> objects.Instance:
        return authorized_server(self.compute_api, self.enforcer, req,
                                 server_id, self.RULE % action)


@dataclasses.dataclass
class ActionCall:
    """One server action being served, handed to its handler."""

    req: wsgi.ApiRequest
    instance: objects.Instance
    # The value under the action's key in the body, e.g. {'type': 'HARD'}.
    args: Any
    compute_api: Any
    enforcer: oslo_policy.Enforcer

    @property
    def context(self) -> nova_context.RequestContext:
        return self.req.context

    def authorize(self, rule: str) -> None:
        """403 unless the caller may apply ``rule`` to this server."""
        policy.authorize(self.enforcer, self.context, rule,
                         target=target(self.instance))


class HostStatus:
    """``host_status`` of servers (2.16): UP, DOWN (forced down too),
    MAINTENANCE (disabled), UNKNOWN (no such service), or empty for a
    server without a host.  The compute services of the tree are asked
    once, on the first server that has a host."""

    def __init__(self, compute_api: Any,
                 context: nova_context.RequestContext) -> None:
        self._compute_api = compute_api
        self._context = context
        self._services: dict[str, dict[str, Any]] | None = None

    def _by_host(self) -> dict[str, dict[str, Any]]:
        if self._services is None:
            services = self._compute_api.host_api.service_get_all(
                self._context.elevated(), binary='nova-compute')
            self._services = {s['host']: s for s in services}
        return self._services

    def __call__(self, server: Any) -> str:
        host = server.get('host')
        if not host:
            return ''
        cell = server.get('cell_name')
        # With cells a service's host carries its cell ('api!cell1@h1').
        name = cell_paths.cell_with_item(cell, host) if cell else host
        service = self._by_host().get(name) or self._by_host().get(host)
        if service is None:
            return 'UNKNOWN'
        if service.get('forced_down') or not service.get('up'):
            return 'DOWN'
        if service.get('disabled'):
            return 'MAINTENANCE'
        return 'UP'
