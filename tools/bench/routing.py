"""Benchmark 1: inter-cell routing against the raw transport.

* **raw**: an oslo.messaging RPC server (no-op ``ping``) and a client,
  two processes on one RabbitMQ vhost; measured before and after the
  routed runs, and the mean of the two is the baseline.
* **targeted, 1-3 hops**: a chain ``api -> c1 -> c2 -> c3`` of nova-cells
  daemons, each cell on its own vhost and database (the launcher); a
  driver process acting as the API cell sends ``ping`` to ``api!c1``,
  ``api!c1!c2`` and ``api!c1!c2!c3`` through the real message runner.
* **broadcast**: ``api`` above 10 children, ``ping`` broadcast down to
  all of them; a broadcast call waits for every child's answer.

Every client measures the same way (see ``routing_worker.measure``):
sequential call latency, concurrent call rate, cast bursts ended by a
call.  Per-hop added latency is (routed call latency - raw call latency)
/ hops, at p50 and at p99.

The target compares the rate *per hop* with raw casts: a chain of k hops
delivers each message k times (k consumers and publishers, on the same
two cores as the broker), so its rate times k is what one hop carries.
The end-to-end rate is printed too; on one machine it is bound by raw/k
however cheap routing is.

Separate raw runs of one benchmark differ by up to 25% (the broker and
the machine drift), so the targets come from **paired rounds**
(``routing_worker.paired_rounds``): one process holding both a raw
client and the API cell's runner measures, round after round, a raw
burst, a routed one, a raw one again, on every path in turn.  Each
routed rate is divided by the raw rates measured a second before and
after it, and the target is the median of those ratios over the rounds;
the report gives their range too.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import statistics
from typing import Any
import uuid

from nova.tools import launcher
from nova.tools.bench import common
from nova.tools.bench import deploy
from nova.tools.bench import profiling
from nova.tools.bench.report import Section

CHAIN = 'api:c1;c1:c2;c2:c3=0'
CHAIN_TARGETS = ['api!c1', 'api!c1!c2', 'api!c1!c2!c3']
STAR_CHILDREN = 10
# Issue 19, target 5: routed casts per hop at least this share of raw.
PER_HOP_TARGET = 0.85


def _sizes(ctx: common.Context) -> dict[str, Any]:
    return {'seconds': ctx.pick(2.0, 8.0), 'casts': ctx.pick(300, 2000),
            'threads': 8, 'rounds': ctx.pick(7, 9),
            'paired_casts': ctx.pick(300, 1000),
            'paired_calls': ctx.pick(30, 100)}


def _client_args(config: str, sizes: dict[str, Any]) -> list[str]:
    return ['--config', config, '--seconds', str(sizes['seconds']),
            '--casts', str(sizes['casts']), '--threads',
            str(sizes['threads'])]


@contextlib.contextmanager
def raw_server(ctx: common.Context) -> Iterator[str]:
    """An RPC server process on a vhost of its own; yields the config
    file a raw client needs."""
    backends = launcher.Backends()
    vhost = f'bench_raw_{uuid.uuid4().hex[:6]}'
    backends.add_vhost(vhost)
    try:
        backends.grant_vhost(vhost)
        config = ctx.workroot / f'{vhost}.conf'
        launcher.write_private(config, deploy.merge_ini('', {
            'DEFAULT': {'transport_url': backends.transport_url(vhost)},
            'oslo_messaging_rabbit': {'heartbeat_timeout_threshold': 0}}))
        with common.workers() as started:
            server = common.start_worker(
                'raw-server', ['--config', str(config)], ctx.workroot)
            started.append(server)
            server.wait_ready()
            yield str(config)
    finally:
        backends.delete_vhost(vhost)


def raw_client(ctx: common.Context, config: str,
               sizes: dict[str, Any]) -> dict[str, Any]:
    with common.workers() as started:
        client = common.start_worker(
            'raw-client', _client_args(config, sizes), ctx.workroot)
        started.append(client)
        return client.result(timeout=sizes['seconds'] * 10 + 120)


def _drive(ctx: common.Context, dep: Any, sizes: dict[str, Any],
           extra: list[str], section: Section, profile: str = ''
           ) -> tuple[dict[str, Any], dict[str, float]]:
    """Run a cells driver as the API cell of ``dep``; its result and the
    CPU seconds each nova-cells daemon spent meanwhile."""
    cells = {name: pid for name, pid in dep.pids().items()
             if name.endswith('-cells')}
    with common.workers() as started:
        driver = common.start_worker(
            'cells-driver',
            _client_args(dep.api_cell.conf, sizes) + extra, ctx.workroot)
        started.append(driver)
        meter = common.CpuMeter(cells).start()
        with profiling.Profile(bool(profile and ctx.shared.get('profile')),
                               ctx.outdir, profile,
                               dict(cells, driver=driver.pid)) as prof:
            result = driver.result(timeout=sizes['seconds'] * 40 + 300)
        profiling.attach(section, prof)
        return result, meter.stop()


def _paired(ctx: common.Context, dep: Any, raw_config: str,
            sizes: dict[str, Any], extra: list[str]) -> dict[str, Any]:
    """Paired rounds (see the module's docstring) on the paths of
    ``extra``, through ``dep``'s API cell."""
    common.say(f'routing: {sizes["rounds"]} paired rounds, raw and routed')
    with common.workers() as started:
        driver = common.start_worker(
            'paired-driver',
            ['--config', dep.api_cell.conf, '--raw-config', raw_config,
             '--rounds', str(sizes['rounds']),
             '--casts', str(sizes['paired_casts']),
             '--calls', str(sizes['paired_calls'])] + extra, ctx.workroot)
        started.append(driver)
        return driver.result(timeout=sizes['rounds'] * 300 + 300)


def paired_ratios(rounds: list[dict[str, float]], deliveries: int,
                  answers: int = 1) -> dict[str, dict[str, float]]:
    """Median, lowest and highest of the per-round ratios to raw: the
    cast rate times ``deliveries`` (the hops of a path, the children of
    a broadcast) over the raw cast rate; the call rate times ``answers``
    (a broadcast's children) over the raw call rate."""
    out = {}
    for kind, factor in (('cast', deliveries), ('call', answers)):
        ratios = sorted(r[kind] * factor / r[f'raw_{kind}']
                        for r in rounds)
        out[kind] = {'median': round(statistics.median(ratios), 3),
                     'low': round(ratios[0], 3),
                     'high': round(ratios[-1], 3)}
    return out


def _rates(result: dict[str, Any]) -> dict[str, float]:
    bursts = sorted(result['cast_burst_rates'])
    return {'call_seq': result['sequential_call_rate'],
            'call_conc': result['concurrent_call_rate'],
            'cast': bursts[len(bursts) // 2],
            'cast_send': sorted(result['cast_send_rates'])[
                len(bursts) // 2]}


def run(ctx: common.Context) -> Section:
    """Raw runs interleave with the routed ones: each routed rate is
    compared with the mean of the raw runs just before and after it."""
    sizes = _sizes(ctx)
    section = Section('routing', '1. Routing vs the raw transport')
    section.data['sizes'] = sizes
    raws: list[dict[str, Any]] = []
    routed: dict[str, Any] = {}
    cpu: dict[str, dict[str, float]] = {}
    star_tree = 'api:' + ','.join(f's{i}=0' for i in
                                  range(1, STAR_CHILDREN + 1))
    with raw_server(ctx) as raw_config:
        def raw() -> None:
            common.say(f'routing: raw oslo.messaging run {len(raws) + 1}')
            raws.append(raw_client(ctx, raw_config, sizes))

        common.say(f'routing: chain {CHAIN}')
        with deploy.deployed('chain', ctx.workroot, tree=CHAIN) as dep:
            raw()
            for target in CHAIN_TARGETS:
                common.say(f'routing: targeted to {target}')
                result, cpu[target] = _drive(
                    ctx, dep, sizes, ['--targets', target], section,
                    profile='routing3' if target == CHAIN_TARGETS[-1]
                    else '')
                routed[target] = result[target]
                raw()
            paired = {'chain': _paired(ctx, dep, raw_config, sizes,
                                       ['--targets', ','.join(
                                           CHAIN_TARGETS)])}
        common.say(f'routing: star of {STAR_CHILDREN} children')
        with deploy.deployed('star', ctx.workroot, tree=star_tree) as dep:
            common.say('routing: broadcasts')
            # a broadcast is STAR_CHILDREN messages: as many in all
            fewer = dict(sizes, casts=sizes['casts'] // STAR_CHILDREN)
            result, cpu['broadcast'] = _drive(ctx, dep, fewer,
                                              ['--broadcast'], section)
            routed['broadcast'] = result['broadcast']
            raw()
            paired['star'] = _paired(
                ctx, dep, raw_config,
                dict(sizes, paired_casts=max(
                    10, sizes['paired_casts'] // STAR_CHILDREN)),
                ['--broadcast'])
    _summarise(section, raws, routed, cpu)
    _summarise_paired(section, paired)
    return section


def _summarise_paired(section: Section, paired: dict[str, Any]) -> None:
    """The paired rounds' ratios, and the targets taken from them."""
    chain, star = paired['chain'], paired['star']
    data: dict[str, Any] = {'rounds': chain['rounds'],
                            'casts_per_burst': chain['casts_per_burst'],
                            'calls_per_run': chain['calls_per_run']}

    def span(r: dict[str, float]) -> str:
        return f'x{r["median"]:.3f} (rounds {r["low"]:.3f}-{r["high"]:.3f})'

    section.line(
        f'paired rounds ({chain["rounds"]} rounds; each routed burst of '
        f'{chain["casts_per_burst"]} casts and run of '
        f'{chain["calls_per_run"]} calls between two raw ones), medians '
        'of the ratios to raw:')
    for hops, target in enumerate(CHAIN_TARGETS, start=1):
        ratios = paired_ratios(chain['paths'][target], hops)
        data[f'{hops}_hops'] = ratios
        section.line(f'  {hops} hop(s) {target}: casts per hop '
                     f'{span(ratios["cast"])}, calls end to end '
                     f'{span(ratios["call"])}')
        section.target(f'cast_ratio_{hops}_hops',
                       f'routed casts over {hops} hop(s), rate per hop / '
                       'raw cast rate (median of paired rounds)',
                       ratios['cast']['median'], PER_HOP_TARGET)
    n = star['cells']
    ratios = paired_ratios(star['paths']['broadcast'], n, n)
    data['broadcast'] = ratios
    section.line(f'  broadcast to {n} children: deliveries '
                 f'{span(ratios["cast"])}, answers {span(ratios["call"])}')
    section.data['paired'] = data


def _mean_rates(runs: list[dict[str, Any]]) -> dict[str, float]:
    rates = [_rates(r) for r in runs]
    return {k: sum(r[k] for r in rates) / len(rates) for k in rates[0]}


def _summarise(section: Section, raws: list[dict[str, Any]],
               routed: dict[str, Any],
               cpu: dict[str, dict[str, float]]) -> None:
    raw_lat = [x for r in raws for x in r['call_latencies']]
    raw_sum = common.summary_ms(raw_lat)
    raw_all = _mean_rates(raws)
    section.latencies['raw call'] = raw_lat
    data: dict[str, Any] = {
        'raw': {'rates_per_s': {k: round(v, 1) for k, v in raw_all.items()},
                'runs': [{k: round(v, 1) for k, v in _rates(r).items()}
                         for r in raws],
                'call_latency': raw_sum},
        'targeted': {}, 'nova_cells_cpu_seconds': cpu}
    section.line(
        f'raw oslo.messaging, mean of {len(raws)} runs (cast rates '
        f"{', '.join(str(round(_rates(r)['cast'])) for r in raws)}): cast "
        f"{raw_all['cast']:.0f}/s, call {raw_all['call_seq']:.0f}/s "
        f"sequential, {raw_all['call_conc']:.0f}/s with 8 threads; call "
        f'{common.fmt_ms(raw_sum)}')
    for hops, target in enumerate(CHAIN_TARGETS, start=1):
        result = routed[target]
        # the raw runs just before and just after this one
        raw = _mean_rates(raws[hops - 1:hops + 1])
        rates = _rates(result)
        lat = common.summary_ms(result['call_latencies'])
        section.latencies[f'{hops} hop call'] = result['call_latencies']
        per_hop = {q: round((lat[f'{q}_ms'] - raw_sum[f'{q}_ms']) / hops, 3)
                   for q in ('p50', 'p99')}
        ratios = {k: common.ratio(rates[k], raw[k]) for k in rates}
        # The rate per hop: every hop is a consumer and a publisher of
        # its own, all on the same cores, so a chain of k hops costs k raw
        # messages at the very least and its end-to-end rate cannot pass
        # raw/k (x0.33 for 3 hops) even if routing cost nothing.  Each hop
        # carries the end-to-end rate, so hops x rate is what the machine
        # delivers per hop, comparable with raw messages per second.
        hop_ratio = common.ratio(rates['cast'] * hops, raw['cast'])
        data['targeted'][hops] = {
            'cast_message_hops_ratio_to_raw': hop_ratio,
            'target': target,
            'rates_per_s': {k: round(v, 1) for k, v in rates.items()},
            'raw_alongside_per_s': {k: round(v, 1) for k, v in raw.items()},
            'ratio_to_raw': ratios, 'call_latency': lat,
            'added_latency_per_hop_ms': per_hop}
        section.line(
            f'{hops} hop(s) {target}: cast {rates["cast"]:.0f}/s '
            f'(x{ratios["cast"]} of raw {raw["cast"]:.0f}/s alongside; '
            f'sender alone {rates["cast_send"]:.0f}/s), call '
            f'{rates["call_seq"]:.0f}/s (x{ratios["call_seq"]}), '
            f'{rates["call_conc"]:.0f}/s with 8 threads '
            f'(x{ratios["call_conc"]}); call {common.fmt_ms(lat)}; added '
            f'per hop p50 {per_hop["p50"]:.2f} ms, p99 '
            f'{per_hop["p99"]:.2f} ms; per hop (message-hops/s) '
            f'x{hop_ratio} of raw')
        section.line('  nova-cells CPU s meanwhile: ' + ', '.join(
            f'{k} {v:.1f}' for k, v in sorted(cpu[target].items())))
    star = routed['broadcast']
    raw = _mean_rates(raws[-2:])
    rates = _rates(star)
    n = star['cells']
    lat = common.summary_ms(star['call_latencies'])
    section.latencies[f'broadcast call to {n}'] = star['call_latencies']
    data['broadcast'] = {
        'children': n,
        'broadcasts_per_s': {k: round(v, 1) for k, v in rates.items()},
        'deliveries_per_s': {k: round(v * n, 1) for k, v in rates.items()},
        'raw_alongside_per_s': {k: round(v, 1) for k, v in raw.items()},
        'delivery_ratio_to_raw': {k: common.ratio(rates[k] * n, raw[k])
                                  for k in rates},
        'call_latency': lat}
    section.line(
        f'broadcast to {n} children: cast {rates["cast"]:.0f} '
        f'broadcasts/s = {rates["cast"] * n:.0f} deliveries/s '
        f'(x{common.ratio(rates["cast"] * n, raw["cast"])} of raw casts '
        f'alongside); call (all {n} answers) {rates["call_seq"]:.0f}/s '
        f'sequential = {rates["call_seq"] * n:.0f} answers/s '
        f'(x{common.ratio(rates["call_seq"] * n, raw["call_seq"])} of raw '
        f'calls), {rates["call_conc"]:.0f}/s with 8 threads; call '
        f'{common.fmt_ms(lat)}')
    section.line('  nova-cells CPU s meanwhile: ' + ', '.join(
        f'{k} {v:.1f}' for k, v in sorted(cpu['broadcast'].items())))
    section.data.update(data)
