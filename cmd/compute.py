"""Entry point of nova-compute."""

import sys

from nova.cmd import common


def main() -> int:
    return common.run_one('compute')


if __name__ == '__main__':
    sys.exit(main())
