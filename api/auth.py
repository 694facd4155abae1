"""Who is calling: the auth filters and the pipeline chosen by strategy.

``[api] auth_strategy`` picks one of the pipelines named in the
``openstack_compute_api_v21`` section of ``api-paste.ini``:

* ``noauth2`` (development and tests): ``X-Auth-Token: user:project`` is
  trusted as is. A token without a project uses ``X-Auth-Project-Id`` if
  sent, else the user name. The user ``admin`` is an administrator.
* ``keystone``: keystonemiddleware's ``auth_token`` validates the token and
  :class:`NovaKeystoneContext` reads the identity headers it sets.

Both leave a :class:`nova.context.RequestContext` in
``environ['nova.context']``.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from oslo_log import log as logging
import webob
import webob.dec

from nova import context as nova_context
from nova.api import deps as api_deps
from nova.api import errors
from nova.api import request_id
from nova.api import wsgi

LOG = logging.getLogger(__name__)

ADMIN_USER = 'admin'


def pipeline_factory_v21(loader: Any, global_conf: Mapping[str, Any],
                         **local_conf: str) -> wsgi.WSGIApp:
    """A paste pipeline whose filters depend on ``[api] auth_strategy``."""
    deps = api_deps.from_global_conf(global_conf)
    strategy = deps.conf.api.auth_strategy
    try:
        names = local_conf[strategy].split()
    except KeyError:
        raise LookupError('api-paste.ini defines no pipeline for '
                          f'auth_strategy {strategy!r}') from None
    LOG.debug('API pipeline for %s: %s', strategy, ' '.join(names))
    app = loader.get_app(names[-1])
    for name in reversed(names[:-1]):
        app = loader.get_filter(name)(app)
    return app


def _context_kwargs(req: webob.Request) -> dict[str, Any]:
    return {
        'request_id': req.environ.get(request_id.ENV_REQUEST_ID),
        'global_request_id': req.environ.get(
            request_id.ENV_GLOBAL_REQUEST_ID),
    }


class NoAuthMiddleware(wsgi.Middleware):
    """Trusts ``X-Auth-Token: user[:project]``; for development only."""

    @webob.dec.wsgify(RequestClass=webob.Request)
    def __call__(self, req: webob.Request) -> Any:
        token = req.headers.get('X-Auth-Token')
        if not token:
            raise errors.Unauthorized()
        user_id, _sep, project_id = token.partition(':')
        if not user_id:
            raise errors.Unauthorized()
        project_id = (project_id or req.headers.get('X-Auth-Project-Id')
                      or user_id)
        is_admin = user_id == ADMIN_USER
        roles = ['member', 'reader'] + (['admin'] if is_admin else [])
        req.environ[wsgi.CONTEXT_KEY] = nova_context.RequestContext(
            user_id=user_id, project_id=project_id, is_admin=is_admin,
            roles=roles, auth_token=token, **_context_kwargs(req))
        return self.application


class NovaKeystoneContext(wsgi.Middleware):
    """Builds the request context from keystonemiddleware's headers."""

    @webob.dec.wsgify(RequestClass=webob.Request)
    def __call__(self, req: webob.Request) -> Any:
        status = req.headers.get('X-Identity-Status', 'Confirmed')
        if status != 'Confirmed':
            raise errors.Unauthorized()
        ctxt = nova_context.RequestContext.from_environ(
            req.environ, **_context_kwargs(req))
        if not ctxt.user_id:
            LOG.debug('Neither X-User-Id nor X-User found in request')
            raise errors.Unauthorized()
        req.environ[wsgi.CONTEXT_KEY] = ctxt
        return self.application


def authtoken_filter_factory(global_conf: Mapping[str, Any],
                             **local_conf: str
                             ) -> Callable[[wsgi.WSGIApp], wsgi.WSGIApp]:
    """keystonemiddleware's ``auth_token``, reading the app's own config.

    keystonemiddleware is imported here, not at module level, so that it is
    needed only by deployments that choose the keystone strategy.
    """
    from keystonemiddleware import auth_token

    deps = api_deps.from_global_conf(global_conf)
    options: dict[str, Any] = {
        k: v for k, v in global_conf.items()
        if k != api_deps.GLOBAL_CONF_KEY}
    options.update(local_conf)
    # Read [keystone_authtoken] from this app's ConfigOpts, not the global
    # CONF, so several apps with different configs can coexist.
    options['oslo_config_config'] = deps.conf

    def _filter(app: wsgi.WSGIApp) -> wsgi.WSGIApp:
        return auth_token.AuthProtocol(app, options)
    return _filter
