"""[all] options of ``nova-all``, which runs a whole tree in one process."""

from oslo_config import cfg

from nova.conf._utils import register_group_opts

all_group = cfg.OptGroup('all', title='nova-all options', help="""
What nova-all starts for this cell when the cell's file is listed in
``cell_config_files`` of the top nova-all configuration.
""")

all_opts = [
    cfg.ListOpt('cell_config_files',
                default=[],
                help="""
Configuration files of the cells nova-all runs, one per cell.

Relative paths are taken relative to the file that names them.
"""),
    cfg.ListOpt('services',
                default=[],
                item_type=cfg.types.String(
                    choices=['api', 'cells', 'scheduler', 'network',
                             'compute']),
                help="""
Services nova-all runs for this cell.

Possible values:

* Empty: ``api`` and ``cells`` for an API cell; ``cells``, ``scheduler``,
  ``network`` and ``compute`` for a compute cell.
"""),
    cfg.PortOpt('api_listen_port',
                help="""
Port the API cell's nova-api listens on, instead of its cell's ``[api]
osapi_compute_listen_port``.

Read from the top nova-all configuration (``tools/demo --port``).

Possible values:

* Unset: each cell's own setting.
* A port number.
"""),
    cfg.ListOpt('compute_hosts',
                default=['compute1'],
                help="""
Host names of the nova-compute services nova-all runs for this cell.
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    register_group_opts(conf, all_group, all_opts)


def list_opts():
    return [(all_group.name, all_opts)]
