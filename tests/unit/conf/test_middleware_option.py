"""``[oslo_middleware] max_request_body_size`` without oslo.middleware:
every daemon loads nova.conf, only nova-api reads the option."""

from __future__ import annotations

from oslo_config import cfg
from oslo_middleware import sizelimit

from nova import conf as nova_conf


def test_the_option_is_oslo_middlewares_own():
    conf = nova_conf.new_conf()
    assert conf.oslo_middleware.max_request_body_size == 114688
    # Equal options register twice without DuplicateOptError: a process
    # that loads oslo.middleware's sizelimit too keeps working.
    conf.register_opts(sizelimit.OPTS, group='oslo_middleware')


def test_the_option_is_read_from_a_config_file(tmp_path):
    path = tmp_path / 'nova.conf'
    path.write_text('[oslo_middleware]\nmax_request_body_size = 2048\n')
    conf = nova_conf.new_conf()
    conf(['--config-file', str(path)], project='nova',
         default_config_files=[], default_config_dirs=[])
    assert conf.oslo_middleware.max_request_body_size == 2048


def test_an_unequal_declaration_would_conflict():
    # The test above is only worth something if oslo.config compares the
    # declarations: a different default is refused.
    conf = nova_conf.new_conf()
    other = cfg.IntOpt('max_request_body_size', default=1)
    try:
        conf.register_opt(other, group='oslo_middleware')
    except cfg.DuplicateOptError:
        return
    raise AssertionError('a different declaration registered silently')
