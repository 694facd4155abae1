"""Entry point of nova-network."""

import sys

from nova.cmd import common


def main() -> int:
    return common.run_one('network')


if __name__ == '__main__':
    sys.exit(main())
