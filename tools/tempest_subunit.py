"""Read a subunit v2 stream on stdin; print one JSON line per test.

Run by ``tools/tempest`` with tempest's own interpreter (it needs the
``subunit`` and ``testtools`` packages tempest installs, nothing of
nova)::

    stestr last --subunit | python -P tempest_subunit.py

Each line: ``{"id": ..., "status": "success|fail|skip|...",
"reason": <skip reason or the error's last line>}``.
"""

import json
import sys

import subunit
import testtools


class _Collector(testtools.StreamResult):
    def __init__(self) -> None:
        super().__init__()
        self.tests: dict[str, dict[str, object]] = {}
        self.files: dict[str, dict[str, bytes]] = {}

    def status(self, test_id=None, test_status=None, test_tags=None,
               runnable=True, file_name=None, file_bytes=None, eof=False,
               mime_type=None, route_code=None, timestamp=None):
        if test_id is None:
            return
        if file_name is not None and file_bytes:
            parts = self.files.setdefault(test_id, {})
            parts[file_name] = parts.get(file_name, b'') + bytes(file_bytes)
        if test_status in ('success', 'fail', 'skip', 'xfail',
                           'uxsuccess'):
            self.tests[test_id] = {'id': test_id, 'status': test_status}


def _reason(status: str, files: dict[str, bytes]) -> str:
    if status == 'skip':
        text = files.get('reason', b'').decode(errors='replace')
        return text.strip().splitlines()[0] if text.strip() else ''
    text = files.get('traceback', b'').decode(errors='replace')
    # The error's first line: the last one a traceback does not indent.
    lines = [line for line in text.strip().splitlines()
             if line.strip() and not line[0].isspace()]
    return lines[-1].strip() if lines else ''


def main() -> int:
    collector = _Collector()
    stream = subunit.ByteStreamToStreamResult(sys.stdin.buffer,
                                              non_subunit_name='stdout')
    stream.run(collector)
    for test_id, test in collector.tests.items():
        test['reason'] = _reason(str(test['status']),
                                 collector.files.get(test_id, {}))
        print(json.dumps(test))
    return 0


if __name__ == '__main__':
    sys.exit(main())
