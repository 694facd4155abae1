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
    cfg.IntOpt('max_pool_size',
               default=64, min=1,
               help="""
Database connections a service keeps open (MySQL/MariaDB; SQLite shares
one file).

A service handles many messages at once; a connection opened beyond the
pool is closed after use, and opening one is costly (tens of ms of CPU
with PyMySQL, which prepares TLS for every new connection).  Keep it near
the number of messages a service handles at once (oslo.messaging's
``executor_thread_pool_size``, 64 by default); connections are only
opened when needed.

Related options:

* ``max_overflow``, ``[DEFAULT] executor_thread_pool_size``
"""),
    cfg.IntOpt('max_overflow',
               default=16, min=0,
               help="""
Connections a service may open beyond ``max_pool_size`` under a burst;
they are closed once used.
"""),
    cfg.IntOpt('pool_timeout',
               default=30, min=1,
               help="""
Seconds a request waits for a free connection when every connection is
in use, before it fails.
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
