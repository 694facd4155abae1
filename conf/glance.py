"""[glance] options: where the image service is, and how to log in to it.

Unset (the default), images live in the API cell's own registry.
"""

from oslo_config import cfg

from nova.conf._utils import register_group_opts

glance_group = cfg.OptGroup(
    'glance', title='Image service (Glance) options',
    help='Read and write images in Glance instead of the API cell\'s own '
         'registry.')

glance_opts = [
    cfg.ListOpt('api_servers',
                default=[],
                help="""
Glance endpoints the API cell reads and writes images at.

Possible values:

* Empty (the default): the endpoint comes from the keystone catalog when
  ``[glance] auth_url`` is set, else images live in the API cell's own
  registry.
* URLs such as ``http://glance.example.org:9292``; the first is used,
  the next ones when it does not answer.

Related options:

* ``[glance] auth_url``
"""),
    cfg.URIOpt('auth_url',
               schemes=['http', 'https'],
               help="""
Keystone (identity v3) URL of the service user Nova talks to Glance as.

Possible values:

* Unset: requests carry the caller's own token (Glance without keystone,
  or a development setup).
* A URL such as ``http://keystone.example.org:5000/v3``: Nova logs in as
  ``[glance] username`` and, unless ``[glance] api_servers`` is set,
  finds Glance in that token's catalog.

Related options:

* ``[glance] username``, ``password``, ``project_name``, ``interface``
"""),
    cfg.StrOpt('username',
               help="""
Service user (with the ``admin`` role in its project) Nova logs in as.

Related options:

* ``[glance] auth_url``
"""),
    cfg.StrOpt('password',
               secret=True,
               help="""
Password of ``[glance] username``.
"""),
    cfg.StrOpt('project_name',
               default='service',
               help="""
Project the service user's token is scoped to.
"""),
    cfg.StrOpt('user_domain_name',
               default='Default',
               help="""
Domain of ``[glance] username``.
"""),
    cfg.StrOpt('project_domain_name',
               default='Default',
               help="""
Domain of ``[glance] project_name``.
"""),
    cfg.StrOpt('interface',
               default='public',
               choices=['public', 'internal', 'admin'],
               help="""
Which endpoint of the catalog's image service to use.

Related options:

* ``[glance] api_servers`` (when set, the catalog is not read)
"""),
    cfg.StrOpt('region_name',
               help="""
Region of the catalog's image endpoint; unset takes the first.
"""),
    cfg.FloatOpt('timeout',
                 default=30.0, min=0.1,
                 help="""
Seconds to wait for one answer of Glance or keystone.
"""),
    cfg.FloatOpt('image_cache_ttl',
                 default=5.0, min=0.0,
                 help="""
Seconds nova-api reuses an active image it read to check a boot.

A boot (``POST /servers``) reads its image from Glance, or from the API
cell's registry, to check it is active and fits the flavor. nova-api keeps
each active image it read (per project) for this long and checks the next
boots of that image against the kept copy. Only active images are kept:
an image not found or not active is read again at every boot. An image
deleted or deactivated through this nova-api is forgotten at once; one
deleted or deactivated elsewhere (in Glance directly, or by another
nova-api) may still be booted for up to this many seconds.

Possible values:

* 0: read the image at every boot.
* A number of seconds (the default 5).
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    register_group_opts(conf, glance_group, glance_opts)


def list_opts() -> list[tuple[cfg.OptGroup, list[cfg.Opt]]]:
    return [(glance_group, glance_opts)]
