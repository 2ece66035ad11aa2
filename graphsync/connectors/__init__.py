"""Protocols the engine talks to; the NAV and Graph packages implement them (dependencies point here)."""
