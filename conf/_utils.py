"""Helpers for the option modules."""

from collections.abc import Sequence

from oslo_config import cfg


def register_group_opts(conf: cfg.ConfigOpts, group: cfg.OptGroup,
                        opts: Sequence[cfg.Opt]) -> None:
    """Register ``opts`` under a private copy of ``group``.

    ``ConfigOpts.register_group`` keeps a shallow copy of the group it is
    given, so two ConfigOpts registering the same OptGroup object share
    its option table, overrides included.  Each cell of ``nova-all`` has
    its own ConfigOpts: each must get a group of its own.
    """
    conf.register_group(cfg.OptGroup(group.name, title=group.title,
                                     help=group.help))
    conf.register_opts(list(opts), group=group.name)
