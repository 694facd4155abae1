"""[api] options of the REST API service."""

from oslo_config import cfg

from nova.conf._utils import register_group_opts

api_group = cfg.OptGroup('api', title='REST API options')

api_opts = [
    cfg.StrOpt('auth_strategy',
               default='noauth2',
               choices=[('noauth2', 'Development only: the token '
                         '"user:project" is trusted; "admin" is an admin.'),
                        ('keystone', 'Tokens are validated by '
                         'keystonemiddleware.')],
               help="""
Authentication strategy of the REST API.

Related options:

* ``[api] api_paste_config``
"""),
    cfg.StrOpt('api_paste_config',
               default='api-paste.ini',
               help="""
Path of the paste.deploy file describing the WSGI pipeline.

Possible values:

* An absolute path, or a name looked up next to the configuration files
  and in the package's ``etc/nova`` directory.
"""),
    cfg.HostAddressOpt('osapi_compute_listen',
                       default='127.0.0.1',
                       help="""
Address the compute REST API listens on.
"""),
    cfg.PortOpt('osapi_compute_listen_port',
                default=8774,
                help="""
Port the compute REST API listens on.
"""),
    cfg.IntOpt('osapi_compute_workers',
               default=16, min=1, max=512,
               help="""
Threads serving REST API requests.
"""),
    cfg.IntOpt('max_limit',
               default=1000, min=1,
               help="""
Largest number of items a collection returns in one response.
"""),
    cfg.IntOpt('rendered_server_cache_size',
               default=20000, min=0,
               help="""
Servers whose rendered detailed view each API process keeps, to answer
``GET /servers/detail`` without reading and rendering again the servers
that did not change since (about 1.5 KiB each); as many entries of
``GET /servers`` are kept the same way (about 0.2 KiB each). 0 keeps
none.
"""),
]


# [oslo_middleware] max_request_body_size, read by nova.api.sizelimit:
# declared here exactly as oslo.middleware declares it (an equal option
# registers twice without conflict), so that no daemon imports
# oslo_middleware, whose package loads every middleware it has (jinja2,
# webob, yaml: some 5 MiB in each process).  The sample file lists it
# under oslo.middleware's own namespace.
middleware_group = cfg.OptGroup('oslo_middleware')

sizelimit_opts = [
    cfg.IntOpt('max_request_body_size', default=114688,
               help='The maximum body size for each request, in bytes.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    register_group_opts(conf, api_group, api_opts)
    register_group_opts(conf, middleware_group, sizelimit_opts)


def list_opts():
    return [(api_group.name, api_opts)]
