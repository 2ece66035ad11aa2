"""NAV 2017/2018 and Business Central over their OData V4 web services, as a `NavConnector`.

`connector.ODataNav` is the connector; `graphsync.runtime.odata.connect` builds one from the ``[nav.odata]``
config (nothing here reads the config).
"""
