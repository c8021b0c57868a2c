"""The ``axl`` command line (a Typer app); see :mod:`axl.cli.app`."""
