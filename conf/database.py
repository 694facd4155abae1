"""[database] options: each cell has its own database."""

from oslo_config import cfg

from nova.conf._utils import register_group_opts

database_group = cfg.OptGroup('database', title='Database options')

database_opts = [
    cfg.StrOpt('connection',
               secret=True,
               default='sqlite:///$state_path/nova.sqlite',
               help="""
SQLAlchemy URL of this cell's database.

Possible values:

* ``mysql+pymysql://user:password@host/dbname`` for a real deployment.
* ``sqlite:////path/to/file.sqlite`` for the embedded default.
"""),
    cfg.IntOpt('max_retries',
               default=-1, min=-1,
               help="""
How many times a service retries connecting to the database at start.

Possible values:

* -1: retry forever (the service waits, logging each attempt).
* 0 or more: give up after that many retries.

Related options:

* ``retry_interval``
"""),
    cfg.FloatOpt('retry_interval',
                 default=2.0, min=0.1,
                 help="""
Seconds between two attempts to connect to the database at start.
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    register_group_opts(conf, database_group, database_opts)


def list_opts():
    return [(database_group.name, database_opts)]
