"""Builds the REST API's WSGI app from ``api-paste.ini``.

:func:`load_app` is the public entry point::

    app = load_app(conf, compute_api)
    server = WSGIServer(app, host, port, threads)   # nova.api.server

The paste file is found from ``[api] api_paste_config``: an absolute path
is used as is; a relative one is looked up next to the first configuration
file, then in the package's ``etc/nova`` directory.
"""

from __future__ import annotations

import os
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging
from oslo_policy import policy as oslo_policy
from paste import deploy

import nova
from nova import exception
from nova.api import deps as api_deps
from nova.api import policy
from nova.api import wsgi

LOG = logging.getLogger(__name__)

APP_NAME = 'osapi_compute'


class PasteConfigNotFound(exception.NovaException):
    msg_fmt = 'Could not find paste config %(name)s (looked in %(paths)s).'


def package_etc_dir() -> str:
    """The ``etc/nova`` directory shipped inside the package."""
    return os.path.join(os.path.dirname(nova.__file__), 'etc', 'nova')


def find_paste_config(conf: cfg.ConfigOpts) -> str:
    """The absolute path of the paste file ``conf`` names."""
    name = conf.api.api_paste_config
    if os.path.isabs(name):
        candidates = [name]
    else:
        candidates = []
        try:
            config_files = list(conf.config_file or [])
        except cfg.NoSuchOptError:
            # The ConfigOpts was never called: no files were read.
            config_files = []
        if config_files:
            config_dir = os.path.dirname(os.path.abspath(config_files[0]))
            candidates.append(os.path.join(config_dir, name))
        candidates.append(os.path.join(package_etc_dir(), name))
    for path in candidates:
        if os.path.isfile(path):
            return os.path.abspath(path)
    raise PasteConfigNotFound(name=name, paths=', '.join(candidates))


def load_app(conf: cfg.ConfigOpts, compute_api: Any, *,
             name: str = APP_NAME,
             enforcer: oslo_policy.Enforcer | None = None) -> wsgi.WSGIApp:
    """The WSGI app of the compute REST API.

    :param conf: the configuration the app reads (``[api]``,
        ``[oslo_policy]``, ``[keystone_authtoken]``).
    :param compute_api: the compute facade the controllers call.
    :param name: the paste section to load.
    :param enforcer: a policy enforcer; by default one built from ``conf``.
    """
    path = find_paste_config(conf)
    deps = api_deps.ApiDeps(
        conf=conf, compute_api=compute_api,
        enforcer=enforcer or policy.new_enforcer(conf))
    LOG.info('Loading app %s from %s (auth strategy %s)', name, path,
             conf.api.auth_strategy)
    with api_deps.registered(deps) as token:
        return deploy.loadapp(f'config:{path}', name=name,
                              global_conf={api_deps.GLOBAL_CONF_KEY: token})
