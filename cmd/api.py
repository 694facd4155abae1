"""Entry point of nova-api."""

import sys

from nova.cmd import common


def main() -> int:
    return common.run_one('api')


if __name__ == '__main__':
    sys.exit(main())
