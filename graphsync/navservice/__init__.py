"""A NAV-style OData V4 service over the embedded company, for tests and demos.

It answers as NAV 2018's OData V4 endpoint does, quirks included: property names mangled from field names,
``@odata.etag`` on every entity and ``If-Match`` required to change one, ``@odata.nextLink`` paging with
``Prefer: odata.maxpagesize``, NAV's error JSON, options as XML-encoded names and a Change Log Entries page.
`app.create_app` builds the Starlette app; `server.serve` runs it on a local port.
"""
