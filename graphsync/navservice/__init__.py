"""A NAV 2018 / Business Central style OData V4 service over the embedded company, for tests and demos.

It answers as those servers' OData V4 endpoints do, quirks included: property names from the page controls,
only the fields a page shows (`pages.PROFILES`: the shipped pages, or as docs/odata.md sets them up),
``@odata.etag`` on every entity and ``If-Match`` required to change one, ``@odata.nextLink`` paging with
``Prefer: odata.maxpagesize``, NAV's error JSON, option values in the server's form, web-service sessions
that stamp in the Services Default Time Zone and refuse dialogs, Business Central online refusing meetings,
and a Change Log Entries page. `app.create_app` builds the Starlette app; `server.serve` runs it on a local
port.
"""
