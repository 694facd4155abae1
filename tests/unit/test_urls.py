"""Broker credentials survive every URL built from them, and no password
shows where a URL is shown (issue 17, item 6)."""

from __future__ import annotations

import argparse
from urllib import parse

import kombu
from oslo_config import cfg
import oslo_messaging
from oslo_messaging._drivers import impl_rabbit
import pytest

from nova import rpc  # noqa: F401  (teaches the rabbit driver to quote)
from nova import urls
from nova.cells import admin
from nova.cmd import manage

SPECIALS = ['/', '@', ':', '%', '#', '?', '&', 'é', '密码', '🔑']
PASSWORDS = ['pa%sss' % c for c in SPECIALS] + [
    'Zq@bx:rel/9#x', '%2F%40already-quoted', '/@:%#?&é密码']


def _conf(transport_url: str = 'rabbit://ours:ourpw@localhost:5672/'
          ) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    conf([])
    oslo_messaging.TransportURL.parse(conf, None)  # registers the option
    conf.set_override('transport_url', transport_url)
    return conf


def _kombu(url: str) -> kombu.Connection:
    """The connection the rabbit driver would open for ``url``."""
    parsed = oslo_messaging.TransportURL.parse(_conf(), url)
    [host] = parsed.hosts
    kombu_url = impl_rabbit.Connection._transform_transport_url(
        None, parsed, host)
    return kombu.Connection(kombu_url)


def _check_round_trip(url: str, username: str, password: str) -> None:
    parsed = oslo_messaging.TransportURL.parse(_conf(), url)
    [host] = parsed.hosts
    assert (host.username, host.password) == (username, password)
    assert (host.hostname, host.port) == ('broker.example', 5673)
    connection = _kombu(url)
    assert (connection.userid, connection.password) == (username, password)
    assert (connection.hostname, connection.port) == ('broker.example',
                                                      5673)


@pytest.mark.parametrize('password', PASSWORDS)
def test_os_cells_fields_round_trip(password: str) -> None:
    conf = _conf()
    url = admin.build_transport_url(conf, {
        'username': 'cells', 'password': password,
        'rpc_host': 'broker.example', 'rpc_port': 5673})
    _check_round_trip(url, 'cells', password)
    # An update amends the stored URL without breaking it.
    again = admin.build_transport_url(conf, {'rpc_port': 5673}, url)
    _check_round_trip(again, 'cells', password)


@pytest.mark.parametrize('secret', PASSWORDS)
def test_nova_manage_options_round_trip(secret: str) -> None:
    args = argparse.Namespace(
        transport_url=None, username='u' + secret, password=secret,
        hostname='broker.example', port=5673, broker_hosts=None,
        virtual_host='/')
    url = manage.transport_url_from_args(args)
    _check_round_trip(url, 'u' + secret, secret)
    assert _kombu(url).virtual_host == '/'


@pytest.mark.parametrize('secret', PASSWORDS)
def test_a_quoted_transport_url_reaches_kombu_whole(secret: str) -> None:
    # What an operator writes in cells_config or --transport-url.
    quoted = urls.quote_credential(secret)
    url = 'rabbit://%s:%s@broker.example:5673/vh' % (quoted, quoted)
    _check_round_trip(url, secret, secret)
    assert _kombu(url).virtual_host == 'vh'


@pytest.mark.parametrize('password', PASSWORDS)
def test_mask_url_hides_every_password(password: str) -> None:
    quoted = urls.quote_credential(password)
    well_formed = 'rabbit://u:%s@h1:5672,v:%s@h2/vh?a=1' % (quoted, quoted)
    assert urls.mask_url(well_formed) == \
        'rabbit://u:***@h1:5672,v:***@h2/vh?a=1'
    # Unquoted, the URL is broken; the password still does not show,
    # neither raw nor in its quoted (or half-quoted) forms.
    broken = 'rabbit://u:%s@host:5672/' % password
    masked = urls.mask_url(broken)
    for form in {password, quoted, parse.quote(password)}:
        for fragment in (form[i:i + 3] for i in range(len(form) - 2)):
            assert fragment not in masked.replace('rabbit://', ''), masked


def test_mask_url_keeps_what_has_no_password() -> None:
    for url in ('sqlite:////tmp/cell.sqlite', 'inproc://cell1',
                'mysql+pymysql://nova@db/nova?ssl_disabled=true', ''):
        assert urls.mask_url(url) == url
    assert urls.mask_url('mysql+pymysql://nova:pw@db/nova') == \
        'mysql+pymysql://nova:***@db/nova'
    assert urls.mask_url('not a url password=hunter22') == \
        'not a url password=***'
