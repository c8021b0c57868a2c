"""A project's files as its code archive holds them: which, checked, and their digest.

The lowest layer of axl beside :mod:`axl.io` (it imports nothing of axl but
:mod:`axl.errors`), so that the runtime's step cache and the packaging layer
select the same files: :mod:`axl.packaging.archive` writes them,
:func:`~axl.codefiles.selection.selection_digest` names them.
"""
