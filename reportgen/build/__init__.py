"""Building what is published: one edition, the release CI publishes, atomic writes, watch."""
