"""Help-center tables (filled in by the help-center work)."""
