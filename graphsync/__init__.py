"""graphsync: two-way sync between Dynamics NAV / Business Central and Outlook through Microsoft Graph."""

__version__ = "0.1.0"
