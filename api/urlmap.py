"""Dispatches by URL prefix to the apps of the ``osapi_compute`` composite.

Keys of the paste section are path prefixes. A plain key (``/v2.1``)
matches the path itself and the path with a trailing slash; a key ending in
``/+`` (``/v2.1/+``) matches only longer paths below it. That split lets the
version document at ``/v2.1`` skip authentication while everything under
``/v2.1/...`` goes through the auth pipeline. The longest matching key
wins; the matched prefix moves from ``PATH_INFO`` to ``SCRIPT_NAME``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from nova.api import errors
from nova.api import faults
from nova.api import wsgi


class URLMap:
    """A WSGI app routing requests to sub-apps by path prefix."""

    def __init__(self, apps: Mapping[str, wsgi.WSGIApp]) -> None:
        entries = []
        for key, app in apps.items():
            below = key.endswith('/+')
            prefix = (key[:-2] if below else key).rstrip('/')
            entries.append((prefix, below, app))
        # Longest prefix first; at equal length the exact entry first.
        self._entries = sorted(entries, key=lambda e: (-len(e[0]), e[1]))

    def _match(self, path: str) -> tuple[str, wsgi.WSGIApp] | None:
        for prefix, below, app in self._entries:
            if below:
                if path.startswith(prefix + '/') and \
                        len(path) > len(prefix) + 1:
                    return prefix, app
            elif prefix == '' or path in (prefix, prefix + '/'):
                return prefix, app
        return None

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get('PATH_INFO', '') or '/'
        match = self._match(path)
        if match is None:
            response = faults.fault_response(
                404, errors.ResourceNotFound().format_message())
            return response(environ, start_response)
        prefix, app = match
        environ['SCRIPT_NAME'] = environ.get('SCRIPT_NAME', '') + prefix
        environ['PATH_INFO'] = path[len(prefix):]
        return app(environ, start_response)


def urlmap_factory(loader: Any, global_conf: Mapping[str, Any],
                   **local_conf: str) -> URLMap:
    """paste ``composite`` factory: each key names an app section."""
    apps = {key: loader.get_app(name.strip(), global_conf=global_conf)
            for key, name in local_conf.items()}
    return URLMap(apps)
