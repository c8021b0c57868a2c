"""``python -m axl`` is the ``axl`` command."""

from axl.cli.app import main

main()
