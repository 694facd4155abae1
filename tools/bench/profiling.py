"""Sampling profiles of daemons while a benchmark runs (``--profile``).

py-spy (``.venv/bin/pip install py-spy``) samples the named processes
from outside, so they run unchanged; it needs ptrace rights (root, or
``kernel.yama.ptrace_scope = 0``).  It samples the thread holding the
GIL only (``--gil``): a daemon has dozens of threads, mostly waiting,
and sampling them all made py-spy fall behind and keep few busy samples.
For each process it writes the collapsed stacks
(``profile-<label>-<name>.folded``, for a flame graph) and a summary
(``.txt``): the functions where the samples were (self) and the
functions of this project that were on the stack (inclusive), in percent
of the non-idle samples.
"""

from __future__ import annotations

import collections
import contextlib
import os
import pathlib
import shutil
import signal
import subprocess
import sys
from typing import Any

from nova.tools.bench import common


def py_spy() -> str | None:
    here = pathlib.Path(sys.executable).parent / 'py-spy'
    return str(here) if here.exists() else shutil.which('py-spy')


class Profile:
    """Profiles ``pids`` (name -> pid) between enter and exit."""

    def __init__(self, enabled: bool, outdir: pathlib.Path, label: str,
                 pids: dict[str, int], rate: int = 200) -> None:
        self.enabled = enabled and py_spy() is not None and bool(pids)
        self.outdir = outdir
        self.label = label
        self.pids = pids
        self.rate = rate
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self.summaries: dict[str, list[str]] = {}

    def _path(self, name: str, suffix: str) -> pathlib.Path:
        return self.outdir / f'profile-{self.label}-{name}{suffix}'

    def __enter__(self) -> Profile:
        if not self.enabled:
            return self
        self.outdir.mkdir(parents=True, exist_ok=True)
        for name, pid in self.pids.items():
            self._procs[name] = subprocess.Popen(
                [str(py_spy()), 'record', '--pid', str(pid), '--rate',
                 str(self.rate), '--format', 'raw', '--nonblocking', '--gil',
                 '--output', str(self._path(name, '.folded'))],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True)
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self._procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGINT)
        for name, proc in self._procs.items():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            path = self._path(name, '.folded')
            if path.exists():
                lines = summarise(path.read_text())
                self._path(name, '.txt').write_text('\n'.join(lines) + '\n')
                self.summaries[name] = lines
                common.say(f'  profile of {name}: {path}')


def _function(frame: str) -> str:
    """'name (path/to/file.py:12)' -> 'name (file-ish path)'."""
    name, _, where = frame.partition(' (')
    path = where.rsplit(':', 1)[0]
    for marker in ('site-packages/', '/work/main/', 'python3.11/'):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f'{name} ({path})'


# Leaf functions of a thread that waits (py-spy cannot always tell).
IDLE_LEAVES = ('Condition.wait', 'Event.wait', '_wait_for_tstate_lock',
               'TCPTransport._read', 'SocketIO.readinto', 'having_timeout',
               'select', 'poll', 'sleep', 'Queue.get', 'accept', 'recv')


def summarise(folded: str, top: int = 25) -> list[str]:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = idle = 0
    for line in folded.splitlines():
        stack, _, count_text = line.rpartition(' ')
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_function(f) for f in stack.split(';')
                  if '(' in f]
        if not frames:
            continue
        if frames[-1].split(' (')[0].endswith(IDLE_LEAVES):
            idle += count
            continue
        total += count
        own[frames[-1]] += count
        for func in set(frames):
            inclusive[func] += count
    if not total:
        return ['no samples']
    out = [f'{total} busy samples ({idle} waiting left out)', '',
           'self (where the time is):']
    out += [f'  {n * 100 / total:5.1f}%  {f}' for f, n in
            own.most_common(top)]
    out += ['', 'inclusive, this project\'s functions:']
    ours = [(f, n) for f, n in inclusive.most_common()
            if not f.split(' (', 1)[1].startswith(('oslo', 'sqlalchemy',
                                                   'kombu', 'amqp',
                                                   'threading', 'pymysql',
                                                   'concurrent', 'futurist',
                                                   'waitress', 'webob',
                                                   'jsonschema', 'json',
                                                   'tenacity', 'routes',
                                                   'paste', 'eventlet',
                                                   'logging', 'socket',
                                                   'queue', 'selectors',
                                                   'ssl', 'typing',
                                                   'tools/', 'bench'))
            and '.py' in f and '<' not in f]
    out += [f'  {n * 100 / total:5.1f}%  {f}' for f, n in ours[:top]]
    return out


def top_lines(summary: list[str], count: int = 6) -> list[str]:
    """The first ``count`` self entries of a summary, for the report."""
    lines = []
    for line in summary[3:]:
        if not line.strip():
            break
        lines.append(line.strip())
    return lines[:count]


def attach(section: Any, profile: Profile) -> None:
    for name, summary in profile.summaries.items():
        section.data.setdefault('profiles', {})[
            f'{profile.label}/{name}'] = summary
        section.footer.append(f'profile {profile.label} {name} (self): '
                              + '; '.join(top_lines(summary, 5)))
