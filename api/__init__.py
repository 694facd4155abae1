"""The compute REST API (OpenStack Compute v2.1, as Nova serves it).

Layout:

* :mod:`nova.api.wsgi_app` builds the app from ``api-paste.ini``
  (:func:`~nova.api.wsgi_app.load_app`); :mod:`nova.api.server` serves it.
* Filters: :mod:`~nova.api.request_id`, :mod:`~nova.api.faults`
  (``faultwrap``), :mod:`~nova.api.auth` (``noauth2``, keystone).
* :mod:`~nova.api.router` matches routes and calls the controllers
  (:mod:`~nova.api.servers`, :mod:`~nova.api.flavors`), which call the
  ``compute_api`` facade only; :mod:`nova.api.views` shapes the bodies.
* :mod:`~nova.api.versions` and :mod:`~nova.api.api_version`: version
  documents and microversion negotiation.
* :mod:`~nova.api.validation` with :mod:`nova.api.schemas`, and
  :mod:`~nova.api.policy`: what requests may contain and who may send them.
"""
