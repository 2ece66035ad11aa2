"""The embedded NAV company (SQLite with NAV's behaviours) and the NAV table metadata all connectors share."""
