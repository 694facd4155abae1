"""nova-manage: the operator's command line for one cell's database.

Usage::

    nova-manage [--config-file FILE ...] [--config-dir DIR] [--debug] \\
        CATEGORY ACTION [OPTIONS]

    db sync [--version REVISION]     upgrade the schema (default: newest)
    db version                       print the schema revision ("None")
    cell create --name NAME --cell_type parent|child|api|compute
                [--transport-url URL | --hostname H [--port P] |
                 --broker_hosts H1:P1,H2:P2]
                [--username U] [--password P] [--virtual_host V]
                [--woffset FLOAT] [--wscale FLOAT]
    cell update --cell_name NAME [--name NEW] [any option of create]
    cell delete --cell_name NAME
    cell list
    cell tree [--timeout SECONDS]    the live tree, asked of nova-cells

The database is ``[database] connection`` of the configuration files; no
file is read unless given.  The ``cells`` table lists this cell's
neighbours: ``api`` and ``compute`` are aliases of ``parent`` and
``child``.  A transport URL is never printed (it holds the broker
password): ``cell list`` shows its parts without the password.

``cell tree`` is the one command that talks to a service: this cell's
nova-cells, over ``[DEFAULT] transport_url`` (see
:mod:`nova.cmd.cell_tree`).

Exit status: 0 on success, 2 for wrong or missing arguments, 1 when the
command itself fails (duplicate or unknown cell, database unreachable or
not synced).  Errors are one line on stderr, and nothing is written to
the database when a command fails.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from collections.abc import Sequence
import dataclasses
import math
import sys
from typing import Any
from typing import NoReturn

import alembic.util
from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging
from oslo_utils import netutils
import sqlalchemy as sa

from nova import context
from nova import exception
from nova import urls
from nova.cmd import cell_drain
from nova.cmd import cell_tree
import nova.conf
from nova.context import RequestContext
from nova.db import api as db_api
from nova.db import migration

PROG = 'nova-manage'
KNOWN_SCHEMES = ('rabbit', 'kombu+memory', 'inproc', 'fake')
DEFAULT_RABBIT_PORT = 5672
CELL_TYPES = {'parent': 'parent', 'api': 'parent',
              'child': 'child', 'compute': 'child'}
_FORBIDDEN_IN_NAME = '!@.'  # the routing path separators, and '.'
_BROKER_OPTIONS = ('username', 'password', 'hostname', 'port',
                   'virtual_host', 'broker_hosts')
_NEED_BROKER = ('a broker is needed: give --transport-url, --hostname or '
                '--broker_hosts')


class UsageError(Exception):
    """Wrong or missing arguments: exit status 2."""


class CommandError(Exception):
    """The command could not be carried out: exit status 1."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, raised not printed."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


# -- argument types ---------------------------------------------------------

def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'invalid float value: {text!r}') from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f'not a finite number: {text!r}')
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'invalid port: {text!r}') from None
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f'port out of range: {value}')
    return value


def validate_cell_name(name: str) -> str:
    """``name`` if it can be a cell name, else :class:`UsageError`."""
    if not name:
        raise UsageError('the cell name may not be empty')
    if len(name) > 255:
        raise UsageError('the cell name is longer than 255 characters')
    bad = [c for c in name if c in _FORBIDDEN_IN_NAME or c.isspace()]
    if bad:
        chars = ''.join(sorted(set(bad)))
        raise UsageError(f'the cell name may not contain {chars!r}')
    return name


# -- transport URLs ---------------------------------------------------------

def parse_transport_url(url: str) -> oslo_messaging.TransportURL:
    """Parse and check a cell's transport URL; :class:`UsageError` if bad.

    The URL itself never appears in the error: it may hold a password.
    """
    try:
        # The conf is only where the parsed URL registers its options.
        parsed = oslo_messaging.TransportURL.parse(cfg.ConfigOpts(), url)
    except oslo_messaging.InvalidTransportURL as exc:
        raise UsageError(f'invalid transport URL: {exc}') from None
    except ValueError:
        raise UsageError('invalid transport URL: bad host or port') from None
    if parsed.transport not in KNOWN_SCHEMES:
        known = ', '.join(KNOWN_SCHEMES)
        raise UsageError('invalid transport URL: unknown scheme '
                         f'{parsed.transport!r} (known: {known})')
    if parsed.transport == 'rabbit' and not any(
            h.hostname for h in parsed.hosts):
        raise UsageError('invalid transport URL: no broker host')
    for host in parsed.hosts:
        if host.port is not None and not 0 < host.port < 65536:
            raise UsageError('invalid transport URL: port out of range')
    return parsed


@dataclasses.dataclass
class BrokerSpec:
    """The parts of a rabbit transport URL, as the classic options give."""

    username: str | None = None
    password: str | None = None
    hosts: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    virtual_host: str | None = None

    @classmethod
    def from_url(cls, url: oslo_messaging.TransportURL) -> BrokerSpec:
        first = url.hosts[0] if url.hosts else None
        return cls(username=first.username if first else None,
                   password=first.password if first else None,
                   hosts=[(h.hostname, h.port or DEFAULT_RABBIT_PORT)
                          for h in url.hosts if h.hostname],
                   virtual_host=url.virtual_host)

    def to_url(self) -> str:
        """``rabbit://user:pass@host:port[,user:pass@host2:port2]/vhost``."""
        credentials = ''
        if self.username is not None or self.password is not None:
            credentials = urls.quote_credential(self.username or '')
            if self.password is not None:
                credentials += ':' + urls.quote_credential(self.password)
            credentials += '@'
        netlocs = [f'{credentials}{_bracket(host)}:{port}'
                   for host, port in self.hosts]
        # '/' (RabbitMQ's default vhost) must be quoted to survive.
        vhost = urls.quote_credential(self.virtual_host or '')
        return f"rabbit://{','.join(netlocs)}/{vhost}"


def _bracket(host: str) -> str:
    return f'[{host}]' if ':' in host else host


def _check_hostname(host: str) -> str:
    if not host or any(c.isspace() or c in '/@,?#[]' for c in host):
        raise UsageError(f'invalid broker host name: {host!r}')
    return host


def _parse_broker_hosts(text: str, default_port: int) -> list[tuple[str, int]]:
    hosts = []
    for item in text.split(','):
        item = item.strip()
        if not item:
            raise UsageError('empty entry in --broker_hosts')
        try:
            host, port = netutils.parse_host_port(item, default_port)
        except ValueError:
            raise UsageError(
                f'invalid --broker_hosts entry: {item!r}') from None
        if port is None or not 0 < port < 65536:
            raise UsageError(f'invalid port in --broker_hosts: {item!r}')
        hosts.append((_check_hostname(host or ''), port))
    return hosts


def transport_url_from_args(args: argparse.Namespace,
                            current: str | None = None) -> str | None:
    """The transport URL the arguments ask for; None when they name none.

    ``current`` (``cell update``) is the URL to amend when only some of
    the classic broker options are given.
    """
    given = [o for o in _BROKER_OPTIONS if getattr(args, o) is not None]
    if args.transport_url is not None:
        if given:
            raise UsageError(
                f'--transport-url cannot be combined with --{given[0]}')
        parse_transport_url(args.transport_url)
        return str(args.transport_url)
    if not given:
        return None
    spec = BrokerSpec()
    if current is not None:
        parsed = parse_transport_url(current)
        if parsed.transport == 'rabbit':
            spec = BrokerSpec.from_url(parsed)
    if args.hostname is not None and args.broker_hosts is not None:
        raise UsageError('--hostname cannot be combined with --broker_hosts')
    port = args.port
    if args.broker_hosts is not None:
        spec.hosts = _parse_broker_hosts(args.broker_hosts,
                                         port or DEFAULT_RABBIT_PORT)
    elif args.hostname is not None:
        spec.hosts = [(_check_hostname(args.hostname),
                       port or DEFAULT_RABBIT_PORT)]
    elif port is not None:
        spec.hosts = [(host, port) for host, _ in spec.hosts]
    if not spec.hosts:
        raise UsageError(_NEED_BROKER)
    for option in ('username', 'password', 'virtual_host'):
        if getattr(args, option) is not None:
            setattr(spec, option, getattr(args, option))
    return spec.to_url()


# -- the commands -----------------------------------------------------------

def _database_url(conf: cfg.ConfigOpts) -> str:
    return str(conf.database.connection)


def _synced_database(conf: cfg.ConfigOpts) -> db_api.Database:
    url = _database_url(conf)
    if migration.db_version(url) is None:
        raise CommandError(f'the database {urls.mask_url(url)} has no '
                           f"schema yet: run '{PROG} db sync' first")
    return db_api.Database(url)


def _with_database(conf: cfg.ConfigOpts,
                   work: Callable[[db_api.Database, Any], Any]) -> None:
    db = _synced_database(conf)
    try:
        work(db, context.get_admin_context())
    finally:
        db.dispose()


def cmd_db_sync(args: argparse.Namespace, conf: cfg.ConfigOpts) -> None:
    migration.db_sync(_database_url(conf), version=args.version)


def cmd_db_version(args: argparse.Namespace, conf: cfg.ConfigOpts) -> None:
    print(migration.db_version(_database_url(conf)))


def cmd_cell_create(args: argparse.Namespace, conf: cfg.ConfigOpts) -> None:
    name = validate_cell_name(args.name)
    url = transport_url_from_args(args)
    if url is None:
        raise UsageError(_NEED_BROKER)
    cell_type = CELL_TYPES[args.cell_type]
    values = {'name': name, 'transport_url': url,
              'is_parent': cell_type == 'parent',
              'weight_offset': 0.0 if args.woffset is None else args.woffset,
              'weight_scale': 1.0 if args.wscale is None else args.wscale}
    _with_database(conf, lambda db, ctxt: db.cell_create(ctxt, values))
    print(f'Created {cell_type} cell {name}')


def cmd_cell_update(args: argparse.Namespace, conf: cfg.ConfigOpts) -> None:
    name = validate_cell_name(args.cell_name)
    if args.name is not None:
        validate_cell_name(args.name)
    changes = ('name', 'cell_type', 'transport_url', 'woffset', 'wscale',
               'disabled', *_BROKER_OPTIONS)
    if all(getattr(args, option) is None for option in changes):
        raise UsageError('nothing to update: give at least one option')

    def update(db: db_api.Database, ctxt: RequestContext) -> None:
        current = db.cell_get(ctxt, name)
        values: dict[str, Any] = {}
        url = transport_url_from_args(args, current['transport_url'])
        if url is not None:
            values['transport_url'] = url
        if args.name is not None:
            values['name'] = args.name
        if args.cell_type is not None:
            values['is_parent'] = CELL_TYPES[args.cell_type] == 'parent'
        if args.woffset is not None:
            values['weight_offset'] = args.woffset
        if args.wscale is not None:
            values['weight_scale'] = args.wscale
        if args.disabled is not None:
            values['disabled'] = args.disabled
        db.cell_update(ctxt, name, values)

    _with_database(conf, update)
    print(f'Updated cell {args.name or name}')


def cmd_cell_delete(args: argparse.Namespace, conf: cfg.ConfigOpts) -> None:
    name = args.cell_name
    _with_database(conf, lambda db, ctxt: db.cell_delete(ctxt, name))
    print(f'Deleted cell {name}')


LIST_COLUMNS = ('Id', 'Name', 'Type', 'Username', 'Hostname', 'Port',
                'VHost', 'WOffset', 'WScale')


def cell_rows(cell: dict[str, Any]) -> list[tuple[str, ...]]:
    """The ``cell list`` rows of one cell: one per broker host.

    Built from the parsed URL field by field, so the password cannot
    leak; an unparsable stored URL shows as ``?``.
    """
    head = (str(cell['id']), cell['name'],
            'parent' if cell['is_parent'] else 'child')
    tail = (f"{cell['weight_offset']:g}", f"{cell['weight_scale']:g}")
    try:
        url = parse_transport_url(cell['transport_url'])
    except UsageError:
        return [head + ('?', '?', '?', '?') + tail]
    vhost = url.virtual_host or '-'
    hosts = url.hosts or [oslo_messaging.TransportHost()]
    return [head + (host.username or '-', host.hostname or '-',
                    str(host.port) if host.port else '-', vhost) + tail
            for host in hosts]


def format_table(header: Sequence[str],
                 rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows])
              for i in range(len(header))]
    return '\n'.join(
        '  '.join(v.ljust(w) for v, w in zip(r, widths, strict=True))
        .rstrip() for r in [header, *rows])


def cmd_cell_list(args: argparse.Namespace, conf: cfg.ConfigOpts) -> None:
    cells: list[dict[str, Any]] = []
    _with_database(conf, lambda db, ctxt: cells.extend(db.cell_get_all(ctxt)))
    rows = [row for cell in cells for row in cell_rows(cell)]
    print(format_table(LIST_COLUMNS, rows))


# -- parsing and running ----------------------------------------------------

def _add_cell_options(parser: argparse.ArgumentParser,
                      create: bool) -> None:
    if create:
        parser.add_argument('--name', required=True,
                            help='name of the neighbour cell')
    parser.add_argument('--cell_type', '--cell-type', required=create,
                        choices=sorted(CELL_TYPES),
                        help='parent (alias api) or child (alias compute)')
    parser.add_argument('--transport-url', '--transport_url',
                        dest='transport_url', metavar='URL',
                        help='full transport URL of the cell\'s broker')
    parser.add_argument('--username', help='broker user')
    parser.add_argument('--password', help='broker password')
    parser.add_argument('--hostname', help='broker host')
    parser.add_argument('--port', type=_port,
                        help=f'broker port (default {DEFAULT_RABBIT_PORT})')
    parser.add_argument('--virtual_host', '--virtual-host',
                        dest='virtual_host', help='broker virtual host')
    parser.add_argument('--broker_hosts', '--broker-hosts',
                        dest='broker_hosts', metavar='H1:P1,H2:P2',
                        help='several broker hosts (instead of --hostname)')
    parser.add_argument('--woffset', type=_finite_float, metavar='FLOAT',
                        help='weight offset for the cell scheduler'
                             + (' (default 0)' if create else ''))
    parser.add_argument('--wscale', type=_finite_float, metavar='FLOAT',
                        help='weight scale for the cell scheduler'
                             + (' (default 1)' if create else ''))


def build_parser() -> argparse.ArgumentParser:
    """The full nova-manage argument parser."""
    parser = _Parser(prog=PROG, allow_abbrev=False,
                     description='Manage the database of one cell.')
    parser.add_argument('--config-file', action='append', default=[],
                        metavar='FILE', help='configuration file to read '
                        '(repeatable; none is read by default)')
    parser.add_argument('--config-dir', metavar='DIR',
                        help='directory of *.conf files to read')
    parser.add_argument('--debug', action='store_true',
                        help='log debug messages')
    categories = parser.add_subparsers(dest='category', metavar='CATEGORY',
                                       required=True)

    db = categories.add_parser('db', help='database schema',
                               allow_abbrev=False)
    db_actions = db.add_subparsers(dest='action', metavar='ACTION',
                                   required=True)
    sync = db_actions.add_parser('sync', allow_abbrev=False,
                                 help='upgrade the schema')
    sync.add_argument('--version', metavar='REVISION',
                      help='revision to upgrade to (default: newest)')
    sync.set_defaults(func=cmd_db_sync)
    db_actions.add_parser('version', allow_abbrev=False,
                          help='print the schema revision').set_defaults(
        func=cmd_db_version)

    cell = categories.add_parser('cell', help='neighbour cells',
                                 allow_abbrev=False)
    cell_actions = cell.add_subparsers(dest='action', metavar='ACTION',
                                       required=True)
    create = cell_actions.add_parser('create', allow_abbrev=False,
                                     help='add a neighbour cell')
    _add_cell_options(create, create=True)
    create.set_defaults(func=cmd_cell_create)
    update = cell_actions.add_parser('update', allow_abbrev=False,
                                     help='change a neighbour cell')
    update.add_argument('--cell_name', '--cell-name', required=True,
                        help='the cell to change')
    update.add_argument('--name', help='new name')
    taking = update.add_mutually_exclusive_group()
    taking.add_argument('--disable', dest='disabled', action='store_const',
                        const=True, help='the cell scheduler skips it')
    taking.add_argument('--enable', dest='disabled', action='store_const',
                        const=False, help='it takes builds again')
    _add_cell_options(update, create=False)
    update.set_defaults(func=cmd_cell_update)
    delete = cell_actions.add_parser('delete', allow_abbrev=False,
                                     help='remove a neighbour cell')
    delete.add_argument('--cell_name', '--cell-name', required=True,
                        help='the cell to remove')
    delete.set_defaults(func=cmd_cell_delete)
    cell_actions.add_parser('list', allow_abbrev=False,
                            help='list the neighbour cells').set_defaults(
        func=cmd_cell_list)
    cell_tree.add_parser(cell_actions)
    cell_drain.add_parser(cell_actions)
    return parser


def load_config(config_files: Sequence[str],
                config_dir: str | None = None) -> cfg.ConfigOpts:
    """A private configuration with nova's and oslo.log's options."""
    conf = nova.conf.new_conf()
    logging.register_options(conf)
    # stdout is for the commands' output.
    conf.set_default('use_stderr', True)
    cli: list[str] = []
    for path in config_files:
        cli += ['--config-file', path]
    if config_dir:
        cli += ['--config-dir', config_dir]
    try:
        conf(cli, project='nova', prog=PROG, default_config_files=[],
             default_config_dirs=[])
    except (cfg.ConfigFilesNotFoundError, cfg.ConfigDirNotFoundError) as exc:
        raise UsageError(str(exc)) from None
    except cfg.Error as exc:
        raise CommandError(f'bad configuration: {exc}') from None
    return conf


def _setup_logging(conf: cfg.ConfigOpts, debug: bool) -> None:
    if debug:
        conf.set_override('debug', True)
    else:
        # A command line tool stays quiet unless something goes wrong.
        conf.set_default('default_log_levels',
                         logging.get_default_log_levels()
                         + ['alembic=WARN', 'nova=WARN'])
    logging.setup(conf, 'nova')


def _database_error(exc: sa.exc.SQLAlchemyError) -> str:
    # str(exc) would carry the statement and its parameters, which may
    # include a transport URL with its password: report the driver's
    # message only.
    orig = getattr(exc, 'orig', None)
    return str(orig) if orig is not None else type(exc).__name__


def _fail(message: str) -> None:
    print(f"{PROG}: error: {' '.join(message.split())}",
          file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run nova-manage with ``argv`` (default ``sys.argv[1:]``)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    conf: cfg.ConfigOpts | None = None
    try:
        args = build_parser().parse_args(args_list)
        conf = load_config(args.config_file, args.config_dir)
        _setup_logging(conf, args.debug)
        args.func(args, conf)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        _fail(str(exc))
        return 2
    except (CommandError, alembic.util.CommandError, cfg.Error) as exc:
        _fail(str(exc))
        return 1
    except exception.NovaException as exc:
        _fail(exc.format_message())
        return 1
    except sa.exc.SQLAlchemyError as exc:
        where = ''
        if conf is not None:
            where = f' ({urls.mask_url(_database_url(conf))})'
        _fail(f'database error{where}: {_database_error(exc)}')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
