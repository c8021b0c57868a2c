"""Run reports: ``axl runs show`` and the self-contained HTML of ``axl runs report``.

:func:`axl.report.model.load_run` gathers a run's facts from its folder,
:mod:`axl.report.layout` lays its DAG out, and :func:`axl.report.html.render`
writes the document. Only the standard library is used.
"""
