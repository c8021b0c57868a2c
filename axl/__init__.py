from axl._version import __version__
