"""From NAV's Outlook Synchronization add-in: its setup as graphsync config (`setup`), its links as graphsync
links (`links`), both read from NAV's tables 5300-5310 (`tables`)."""
