"""Credentials inside URLs: quoted when a URL is built, masked when shown.

Transport URLs (``rabbit://user:password@host:5672/vhost``) and database
URLs (``mysql+pymysql://user:password@host/db``) carry a password.  Every
place that builds one quotes the user name and password with
:func:`quote_credential`, so that any character (``/ @ : % # ? &``, any
unicode) survives the round trip through a URL parser; every place that
logs one or puts one into an error message shows it through
:func:`mask_url`, which keeps the scheme, user names and hosts and
replaces each password with ``***``.
"""

from __future__ import annotations

from urllib import parse

from oslo_utils import strutils

MASK = '***'


def quote_credential(value: str) -> str:
    """A user name or password quoted for the user-info part of a URL.

    Nothing is left unquoted (``safe=''``): the default of
    :func:`urllib.parse.quote` keeps ``/``, which ends the network
    location early and turns the rest of the password into a path.
    """
    return parse.quote(value, safe='')


def _mask_netloc(netloc: str) -> str:
    hosts = []
    for host in netloc.split(','):
        if '@' in host:
            credentials, _, location = host.partition('@')
            user, colon, _password = credentials.partition(':')
            host = user + (':' + MASK if colon else '') + '@' + location
        hosts.append(host)
    return ','.join(hosts)


def mask_url(url: str | None) -> str:
    """``url`` fit for a log line or an error message: no password.

    A well-formed URL keeps everything but its passwords.  A malformed
    one (an unquoted ``@``, ``/`` or ``#`` in a password makes the parser
    cut the URL in the wrong place) keeps only its scheme and what follows
    its last ``@``: where the password ends cannot be known, so nothing
    before that is shown.
    """
    if not url:
        return ''
    text = str(url)
    scheme, sep, rest = text.partition('://')
    if not sep:
        # Not a URL at all; a "password=..." in it is still masked.
        return strutils.mask_password(text, secret=MASK)
    end = len(rest)
    for stop in '/?#':
        position = rest.find(stop)
        if position != -1:
            end = min(end, position)
    netloc, tail = rest[:end], rest[end:]
    well_formed = '@' not in tail and all(
        host.count('@') <= 1 for host in netloc.split(','))
    if well_formed:
        masked = '%s://%s%s' % (scheme, _mask_netloc(netloc), tail)
    else:
        masked = '%s://%s@%s' % (scheme, MASK, rest.rpartition('@')[2])
    # Query options such as "?password=..." are masked too.
    return strutils.mask_password(masked, secret=MASK)
