"""load_app: finding the paste file and handing objects to the factories."""

from __future__ import annotations

import os
import shutil

import pytest

from nova.api import deps as api_deps
from nova.api import wsgi_app
from nova.tests.unit.api import fakes
from nova.tests.unit.api.conftest import request


def _packaged_paste():
    return os.path.join(wsgi_app.package_etc_dir(), 'api-paste.ini')


def test_default_is_the_packaged_file(conf):
    assert wsgi_app.find_paste_config(conf) == _packaged_paste()


def test_absolute_path(conf, tmp_path):
    path = tmp_path / 'custom.ini'
    shutil.copy(_packaged_paste(), path)
    conf.set_override('api_paste_config', str(path), group='api')
    assert wsgi_app.find_paste_config(conf) == str(path)


def test_relative_to_the_config_file(tmp_path):
    from nova import conf as nova_conf

    config_file = tmp_path / 'nova.conf'
    config_file.write_text('[api]\napi_paste_config = api-paste.ini\n')
    shutil.copy(_packaged_paste(), tmp_path / 'api-paste.ini')
    conf = nova_conf.new_conf()
    conf(['--config-file', str(config_file)], project='nova',
         default_config_files=[])
    try:
        assert wsgi_app.find_paste_config(conf) == \
            str(tmp_path / 'api-paste.ini')
    finally:
        conf.reset()


def test_missing_file(conf):
    conf.set_override('api_paste_config', 'nope.ini', group='api')
    with pytest.raises(wsgi_app.PasteConfigNotFound, match='nope.ini'):
        wsgi_app.find_paste_config(conf)
    conf.set_override('api_paste_config', '/does/not/exist.ini',
                      group='api')
    with pytest.raises(wsgi_app.PasteConfigNotFound):
        wsgi_app.load_app(conf, None)


def test_apps_do_not_share_state(conf):
    first, second = fakes.FakeComputeAPI(), fakes.FakeComputeAPI()
    first.add_instance()
    app1 = wsgi_app.load_app(conf, first)
    app2 = wsgi_app.load_app(conf, second)
    assert len(request(app1, 'GET', '/v2.1/servers').json['servers']) == 1
    assert request(app2, 'GET', '/v2.1/servers').json['servers'] == []
    # Nothing stays registered once the apps are built.
    assert api_deps._REGISTRY == {}


def test_factories_refuse_unregistered_loads():
    with pytest.raises(LookupError, match='load_app'):
        api_deps.from_global_conf({})
    with pytest.raises(LookupError):
        api_deps.from_global_conf({api_deps.GLOBAL_CONF_KEY: 'stale'})


def test_conf_need_not_be_parsed(compute):
    # Services may build the app from a ConfigOpts they never called.
    from nova import conf as nova_conf

    app = wsgi_app.load_app(nova_conf.new_conf(), compute)
    assert request(app, 'GET', '/v2.1/flavors').status_int == 200
