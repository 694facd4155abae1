"""The processes of the routing benchmark (run by ``worker.py``).

``raw-server`` and ``raw-client`` are plain oslo.messaging between two
processes on one vhost: the limit any routing can approach.
``cells-driver`` acts as the API cell: it builds the API cell's
``CellsManager`` from that cell's configuration (its own database, its
``cells`` table, its broker) and sends ``ping`` messages through the
real ``MessageRunner``: targeted down a path, or broadcast to every
child.

Every client runs the same three measurements (:func:`measure`):

* sequential calls for a while: the latency of each;
* concurrent calls from several threads for a while: the call rate;
* cast bursts: ``casts`` casts sent back to back from one thread, then
  one call (a barrier) on the same path.  Queues are FIFO and every hop
  forwards in arrival order, so the barrier's answer means the casts
  before it were delivered (a hop's thread pool may still be finishing
  the last few, which each take microseconds).  The rate is casts per
  second from the first cast to the barrier's answer.

``paired-driver`` is the cells driver holding a raw client too (of the
``raw-server`` on its own vhost): it runs ``rounds`` rounds, each a raw
cast burst and a raw call run, then the same on each path in turn, each
followed by raw ones again (:func:`paired_rounds`).  A routed rate is
compared with the raw bursts just before and just after it, a second
apart on the same broker: the broker's and the machine's drifts, which
make separate runs differ by 20%, fall on both sides of each pair.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from collections.abc import Iterator
import concurrent.futures
import contextlib
import json
import signal
import sys
import threading
import time
from typing import Any

PAYLOAD = {'bench': True, 'data': 'x' * 64}
WARMUP_CALLS = 20


def measure(call: Callable[[], None], cast: Callable[[], None],
            seconds: float, casts: int, threads: int,
            bursts: int = 3) -> dict[str, Any]:
    for _ in range(WARMUP_CALLS):
        call()
    latencies: list[float] = []
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        t0 = time.monotonic()
        call()
        latencies.append(time.monotonic() - t0)
    sequential_rate = len(latencies) / (time.monotonic() - began)

    stop = threading.Event()
    counts = [0] * threads

    def caller(i: int) -> None:
        while not stop.is_set():
            call()
            counts[i] += 1

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        began = time.monotonic()
        futures = [pool.submit(caller, i) for i in range(threads)]
        time.sleep(seconds)
        stop.set()
        for future in futures:
            future.result()
        concurrent_rate = sum(counts) / (time.monotonic() - began)

    burst_rates, send_rates = [], []
    for _ in range(bursts):
        began = time.monotonic()
        for _ in range(casts):
            cast()
        sent = time.monotonic()
        call()
        done = time.monotonic()
        burst_rates.append(casts / (done - began))
        send_rates.append(casts / (sent - began))
    return {'call_latencies': latencies,
            'cpu_seconds': time.process_time(),
            'sequential_call_rate': sequential_rate,
            'concurrent_call_rate': concurrent_rate,
            'threads': threads,
            'cast_burst_rates': burst_rates,
            'cast_send_rates': send_rates,
            'casts_per_burst': casts}


def burst_rate(cast: Callable[[], None], call: Callable[[], None],
               casts: int) -> float:
    """Casts per second of ``casts`` casts ended by a barrier call."""
    began = time.monotonic()
    for _ in range(casts):
        cast()
    call()
    return casts / (time.monotonic() - began)


def call_rate(call: Callable[[], None], calls: int) -> float:
    """Sequential calls per second."""
    began = time.monotonic()
    for _ in range(calls):
        call()
    return calls / (time.monotonic() - began)


def paired_rounds(raw: tuple[Callable[[], None], Callable[[], None]],
                  routed: dict[str, tuple[Callable[[], None],
                                          Callable[[], None]]],
                  rounds: int, casts: int, calls: int) -> dict[str, Any]:
    """``rounds`` rounds of: raw, then each routed path followed by raw.

    ``raw`` and each of ``routed`` are ``(call, cast)``.  Returns each
    path's cast and call rates per round, each with the mean of the raw
    rates measured just before and just after it (``raw_cast``,
    ``raw_call``), so that each routed rate has a raw one of its own
    moment."""
    raw_call, raw_cast = raw
    for call, _ in [raw] + list(routed.values()):
        for _ in range(WARMUP_CALLS):
            call()

    def raw_pair() -> tuple[float, float]:
        return (burst_rate(raw_cast, raw_call, casts),
                call_rate(raw_call, calls))

    out: dict[str, Any] = {name: [] for name in routed}
    for _ in range(rounds):
        before = raw_pair()
        for name, (call, cast) in routed.items():
            rates = (burst_rate(cast, call, casts), call_rate(call, calls))
            after = raw_pair()
            out[name].append({'cast': rates[0], 'call': rates[1],
                              'raw_cast': (before[0] + after[0]) / 2,
                              'raw_call': (before[1] + after[1]) / 2})
            before = after
    return {'rounds': rounds, 'casts_per_burst': casts,
            'calls_per_run': calls, 'paths': out}


def _conf(config_file: str) -> Any:
    from nova import conf as nova_conf
    from nova.cmd import common
    conf = nova_conf.CONF
    common.parse_config(['--config-file', config_file], conf, 'nova-bench')
    return conf


class _Endpoint:
    def ping(self, ctxt: Any, payload: Any = None) -> Any:
        return payload


def raw_server(args: argparse.Namespace) -> int:
    import oslo_messaging

    from nova import rpc
    conf = _conf(args.config)
    transport = rpc.get_transport(conf)
    target = oslo_messaging.Target(topic='bench', server='bench-server')
    server = oslo_messaging.get_rpc_server(
        transport, target, [_Endpoint()],
        serializer=oslo_messaging.NoOpSerializer(),
        access_policy=oslo_messaging.DefaultRPCAccessPolicy)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    server.start()
    print(json.dumps({'ready': True}), flush=True)
    stopped.wait()
    server.stop()
    server.wait()
    transport.cleanup()
    return 0


def _raw_pings(transport: Any) -> tuple[Callable[[], None],
                                         Callable[[], None]]:
    """``(call, cast)`` of a no-op ``ping`` to the raw server."""
    import oslo_messaging
    client = oslo_messaging.get_rpc_client(
        transport, oslo_messaging.Target(topic='bench'), timeout=30,
        serializer=oslo_messaging.NoOpSerializer())
    ctxt = {'request_id': 'bench'}

    def call() -> None:
        client.call(ctxt, 'ping', payload=PAYLOAD)

    def cast() -> None:
        client.cast(ctxt, 'ping', payload=PAYLOAD)
    return call, cast


def raw_client(args: argparse.Namespace) -> int:
    from nova import rpc
    conf = _conf(args.config)
    transport = rpc.get_transport(conf)
    call, cast = _raw_pings(transport)
    result = measure(call, cast, args.seconds, args.casts, args.threads)
    transport.cleanup()
    print(json.dumps(result), flush=True)
    return 0


@contextlib.contextmanager
def _cells_runner(config: str) -> Iterator[tuple[Any, Any]]:
    """The API cell's message runner, built from its configuration as
    nova-cells builds it, and an admin context."""
    from nova import context as nova_context
    from nova import rpc
    from nova.cells import manager as cells_manager
    from nova.cmd import common
    from nova.compute import api as compute_api
    conf = _conf(config)
    transport = rpc.get_transport(conf)
    db = common.make_database(conf, transport)
    manager = cells_manager.CellsManager(
        conf, 'bench-driver', db, transport,
        compute_api.API(conf, db, transport, enforce_locks=False))
    manager.init_host()
    try:
        yield manager.msg_runner, nova_context.get_admin_context()
    finally:
        manager.cleanup_host()
        transport.cleanup()


def cells_driver(args: argparse.Namespace) -> int:
    results: dict[str, Any] = {}
    with _cells_runner(args.config) as (runner, ctxt):
        for target in args.targets:
            call, cast = _targeted_pings(runner, ctxt, target)
            results[target] = measure(call, cast, args.seconds, args.casts,
                                      args.threads)
        if args.broadcast:
            call, cast = _broadcast_pings(runner, ctxt)
            results['broadcast'] = measure(call, cast, args.seconds,
                                           args.casts, args.threads)
            results['broadcast']['cells'] = len(
                runner.state.get_child_cells())
    print(json.dumps(results), flush=True)
    return 0


def paired_driver(args: argparse.Namespace) -> int:
    """The cells driver and a raw client in one process, in rounds."""
    from oslo_config import cfg

    from nova import rpc
    raw_conf = cfg.ConfigOpts()
    raw_conf.register_opt(cfg.StrOpt('transport_url', secret=True))
    raw_conf(args=[], default_config_files=[args.raw_config])
    with _cells_runner(args.config) as (runner, ctxt):
        conf = runner.conf
        raw_transport = rpc.get_transport(conf, url=raw_conf.transport_url)
        try:
            routed = {t: _targeted_pings(runner, ctxt, t)
                      for t in args.targets}
            if args.broadcast:
                routed['broadcast'] = _broadcast_pings(runner, ctxt)
            result = paired_rounds(_raw_pings(raw_transport), routed,
                                   args.rounds, args.casts, args.calls)
            result['cells'] = len(runner.state.get_child_cells())
        finally:
            raw_transport.cleanup()
    print(json.dumps(result), flush=True)
    return 0


def _targeted_pings(runner: Any, ctxt: Any, target: str
                    ) -> tuple[Callable[[], None], Callable[[], None]]:
    def call() -> None:
        response = runner.targeted(ctxt, target, 'ping',
                                   {'payload': PAYLOAD}, need_response=True)
        if response.value_or_raise() != PAYLOAD:
            raise RuntimeError(f'ping to {target} answered wrong')

    def cast() -> None:
        runner.targeted(ctxt, target, 'ping', {'payload': PAYLOAD})
    return call, cast


def _broadcast_pings(runner: Any, ctxt: Any
                     ) -> tuple[Callable[[], None], Callable[[], None]]:
    children = len(runner.state.get_child_cells())

    def call() -> None:
        result = runner.broadcast(ctxt, 'ping', {'payload': PAYLOAD},
                                  'down', run_locally=False,
                                  need_response=True)
        if result.missing or len(result) != children:
            raise RuntimeError(f'broadcast: {len(result)} answers of '
                               f'{children}, missing {result.missing}')

    def cast() -> None:
        runner.broadcast(ctxt, 'ping', {'payload': PAYLOAD}, 'down',
                         run_locally=False)
    return call, cast


def main(mode: str, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f'worker.py {mode}')
    parser.add_argument('--config', required=True)
    parser.add_argument('--seconds', type=float, default=5.0)
    parser.add_argument('--casts', type=int, default=1000)
    parser.add_argument('--threads', type=int, default=8)
    parser.add_argument('--targets', type=lambda s: s.split(','),
                        default=[])
    parser.add_argument('--broadcast', action='store_true')
    parser.add_argument('--raw-config',
                        help='paired-driver: the raw client\'s config')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--calls', type=int, default=50,
                        help='paired-driver: sequential calls per run')
    args = parser.parse_args(argv)
    if mode == 'paired-driver':
        if not args.raw_config:
            parser.error('paired-driver needs --raw-config')
        if args.rounds < 1 or args.casts < 1 or args.calls < 1:
            parser.error('--rounds, --casts and --calls must be at least 1')
    runners = {'raw-server': raw_server, 'raw-client': raw_client,
               'cells-driver': cells_driver, 'paired-driver': paired_driver}
    return runners[mode](args)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2:]))
