"""Case tables (filled in by the cases work)."""
