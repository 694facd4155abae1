"""Hands Python objects to paste.deploy factories.

paste.deploy builds the WSGI pipeline from an ini file and passes factories
only strings. :func:`nova.api.wsgi_app.load_app` therefore registers an
:class:`ApiDeps` under a random token for the duration of the load, puts the
token in paste's ``global_conf`` under :data:`GLOBAL_CONF_KEY`, and every
factory calls :func:`from_global_conf` to get the objects back. Nothing
stays registered once the app is built, so two apps with different
configurations can live in one process.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
import contextlib
import dataclasses
import threading
from typing import Any
import uuid

from oslo_config import cfg
from oslo_policy import policy as oslo_policy

GLOBAL_CONF_KEY = 'nova_api_deps'

_LOCK = threading.Lock()
_REGISTRY: dict[str, ApiDeps] = {}


@dataclasses.dataclass(frozen=True)
class ApiDeps:
    """What the middlewares and controllers of one app need."""

    conf: cfg.ConfigOpts
    compute_api: Any
    enforcer: oslo_policy.Enforcer


@contextlib.contextmanager
def registered(deps: ApiDeps) -> Iterator[str]:
    """Register ``deps`` while the block runs; yields the lookup token."""
    token = uuid.uuid4().hex
    with _LOCK:
        _REGISTRY[token] = deps
    try:
        yield token
    finally:
        with _LOCK:
            _REGISTRY.pop(token, None)


def from_global_conf(global_conf: Mapping[str, Any]) -> ApiDeps:
    """The :class:`ApiDeps` of the app paste is building."""
    token = global_conf.get(GLOBAL_CONF_KEY)
    with _LOCK:
        deps = _REGISTRY.get(token) if token else None
    if deps is None:
        raise LookupError(
            'No API dependencies registered for this paste load; build the '
            'app with nova.api.wsgi_app.load_app()')
    return deps
