"""Entry point of nova-scheduler."""

import sys

from nova.cmd import common


def main() -> int:
    return common.run_one('scheduler')


if __name__ == '__main__':
    sys.exit(main())
