"""Building: one edition through every stage, rebuilds on save, releases, atomic writes."""
