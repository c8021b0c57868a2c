"""Deploying compiled workflows to an orchestrator's API: what the CLI and Pulumi share.

:mod:`axl.deploy.kfp` talks to a Kubeflow Pipelines server. Each module
imports its orchestrator's SDK only when one of its functions is called.
"""
