"""Compilers from the IR to orchestrators (Argo, Kubeflow, Dagster) and what they share."""
