"""Word statistics of a text (an example user project)."""
