"""The benchmark report: ``report.json``, ``report.txt`` and
``latency.png`` (the latency distributions as CDFs) in the results
folder.  The plot needs matplotlib; without it the report says so.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import dataclasses
import json
import math
import os
import pathlib
import platform
import time
import traceback
from typing import Any

from nova.tools.bench import common


@dataclasses.dataclass
class Section:
    """What one benchmark measured."""

    name: str
    title: str
    data: dict[str, Any] = dataclasses.field(default_factory=dict)
    lines: list[str] = dataclasses.field(default_factory=list)
    # label -> durations in seconds, for the plot
    latencies: dict[str, list[float]] = dataclasses.field(
        default_factory=dict)
    # lines printed after the results (e.g. profile summaries)
    footer: list[str] = dataclasses.field(default_factory=list)
    # target -> {'value': ..., 'limit': ..., 'met': bool, 'what': str}
    targets: dict[str, dict[str, Any]] = dataclasses.field(
        default_factory=dict)

    def line(self, text: str) -> None:
        self.lines.append(text)
        common.say('  ' + text)

    def target(self, key: str, what: str, value: float | None,
               limit: float, higher_is_better: bool = True) -> None:
        met = (value is not None and not math.isnan(value)
               and (value >= limit if higher_is_better else value <= limit))
        self.targets[key] = {'what': what, 'value': value, 'limit': limit,
                             'met': met}
        self.line(f'TARGET {what}: {value} '
                  f"({'>=' if higher_is_better else '<='} {limit}) "
                  f"{'MET' if met else 'MISSED'}")


class Report:
    def __init__(self, outdir: pathlib.Path, mode: str) -> None:
        self.outdir = outdir
        self.mode = mode
        self.sections: list[Section] = []
        self.errors: dict[str, str] = {}
        self.started = time.time()
        self.notes: list[str] = []

    def add(self, section: Section) -> None:
        self.sections.append(section)
        self.write()  # a partial report survives a later crash

    def failed(self, name: str, error: str) -> None:
        self.errors[name] = error
        self.write()

    @contextlib.contextmanager
    def failures_recorded(self, name: str) -> Iterator[None]:
        """Record an error of the block as benchmark ``name``'s and go on
        (one benchmark's failure must not lose the others' results); an
        interrupt is recorded too, then ends the run."""
        try:
            yield
        except (KeyboardInterrupt, SystemExit):
            self.failed(name, 'interrupted')
            raise
        except Exception as exc:
            common.say(f'{name} failed:\n{traceback.format_exc()}')
            self.failed(name, f'{type(exc).__name__}: {exc}')

    def _environment(self) -> dict[str, Any]:
        load = os.getloadavg()
        return {'host': platform.node(), 'python': platform.python_version(),
                'cpus': os.cpu_count(),
                'mem_available_gib': round(common.mem_available() / 2**30,
                                           1),
                'loadavg_at_end': [round(x, 2) for x in load],
                'mode': self.mode,
                'started': time.strftime('%Y-%m-%d %H:%M:%S',
                                         time.localtime(self.started)),
                'wall_seconds': round(time.time() - self.started, 1)}

    def write(self) -> None:
        self.outdir.mkdir(parents=True, exist_ok=True)
        plot_note = self._plot()
        doc = {'environment': self._environment(), 'notes': self.notes,
               'plot': plot_note,
               'sections': {s.name: {'title': s.title, 'data': s.data,
                                     'targets': s.targets,
                                     'summary': s.lines + s.footer}
                            for s in self.sections},
               'errors': self.errors}
        (self.outdir / 'report.json').write_text(
            json.dumps(doc, indent=2, default=str) + '\n')
        (self.outdir / 'report.txt').write_text(self._text(doc))

    def _text(self, doc: dict[str, Any]) -> str:
        env = doc['environment']
        out = [f"cells benchmarks ({env['mode']}), {env['started']}, "
               f"{env['wall_seconds']}s wall, {env['cpus']} CPUs, load "
               f"{env['loadavg_at_end']} at the end "
               '(shared machine: compare ratios, not absolutes)', '']
        out += [f'note: {n}' for n in self.notes]
        for section in self.sections:
            out += [f'== {section.title} ==', *section.lines,
                    *section.footer, '']
        if self.errors:
            out.append('== not measured ==')
            out += [f'{name}: {error}' for name, error in
                    self.errors.items()]
            out.append('')
        targets = [t for s in self.sections for t in s.targets.values()]
        if targets:
            out.append('== targets ==')
            out += [f"{'MET   ' if t['met'] else 'MISSED'} {t['what']}: "
                    f"{t['value']} (limit {t['limit']})" for t in targets]
            out.append('')
        out.append(f"plot: {doc['plot']}")
        return '\n'.join(out) + '\n'

    def _plot(self) -> str:
        series = [(s, s.latencies) for s in self.sections if s.latencies]
        path = self.outdir / 'latency.png'
        if not series:
            return 'no latency measured yet'
        try:
            import matplotlib
            matplotlib.use('Agg')
            from matplotlib import pyplot
        except ImportError:
            return ('skipped: matplotlib is not installed (.venv/bin/pip '
                    'install matplotlib)')
        cols = min(2, len(series))
        rows = math.ceil(len(series) / cols)
        fig, axes = pyplot.subplots(rows, cols, squeeze=False,
                                    figsize=(7 * cols, 4.2 * rows))
        for ax, (section, latencies) in zip(axes.flat, series,
                                            strict=False):
            plotted = 0
            for label, values in latencies.items():
                if not values:
                    continue
                plotted += 1
                ordered = sorted(v * 1000 for v in values)
                n = len(ordered)
                ax.plot(ordered, [(i + 1) / n for i in range(n)],
                        label=f'{label} (n={n})')
            ax.set_xscale('log')
            ax.set_xlabel('ms (log)')
            ax.set_ylabel('fraction')
            ax.set_title(section.title, fontsize=10)
            ax.grid(True, which='both', alpha=0.3)
            if plotted:
                ax.legend(fontsize=7, loc='lower right')
        for ax in list(axes.flat)[len(series):]:
            ax.set_visible(False)
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        pyplot.close(fig)
        return str(path)
