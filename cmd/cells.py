"""Entry point of nova-cells."""

import sys

from nova.cmd import common


def main() -> int:
    return common.run_one('cells')


if __name__ == '__main__':
    sys.exit(main())
