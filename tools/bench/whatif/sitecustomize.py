"""What-if patches for the benchmarks (``tools/bench/run --what-if``).

Python imports this module at start-up in every process whose
PYTHONPATH holds this folder: the benchmark puts it there for the
daemons it starts when ``--what-if`` names patches, so that the effect of
a proposed fix can be measured before anyone makes it.  It changes
nothing in the repository; the report marks such runs.  Patches
(``BENCH_WHAT_IF``, comma-separated):

``schema``  ``jsonschema.validate`` keeps one checked validator per schema
            instead of checking the schema against its meta-schema on
            every call (what nova.cells.messaging pays per message).
``notls``   PyMySQL connections without TLS (PyMySQL 2 negotiates TLS
            with MariaDB by default: ~20 ms of CPU per new connection).
"""

import os
import sys

_WHAT = {w.strip() for w in os.environ.get('BENCH_WHAT_IF', '').split(',')
         if w.strip()}
# The daemons (nova-*) and the benchmark's own workers, never the peer.
_NOVA = any(os.path.basename(arg).startswith('nova-')
            or os.path.basename(arg) == 'worker.py' for arg in sys.argv[:1])


def _schema() -> None:
    import jsonschema

    validators: dict[int, object] = {}

    def validate(instance, schema, cls=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        validator = validators.get(id(schema))
        if validator is None:
            klass = cls or jsonschema.validators.validator_for(schema)
            klass.check_schema(schema)
            validator = validators[id(schema)] = klass(schema, *args,
                                                       **kwargs)
        error = jsonschema.exceptions.best_match(
            validator.iter_errors(instance))  # type: ignore[attr-defined]
        if error is not None:
            raise error

    jsonschema.validate = validate


def _notls() -> None:
    import pymysql.connections

    original = pymysql.connections.Connection.__init__

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault('ssl_disabled', True)
        original(self, *args, **kwargs)

    pymysql.connections.Connection.__init__ = __init__


if _NOVA and _WHAT:
    if 'schema' in _WHAT:
        _schema()
    if 'notls' in _WHAT:
        _notls()
