"""An inventory report: stock levels in, a text table of what to reorder out."""
