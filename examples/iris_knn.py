"""Iris classification with k-nearest neighbours: the auto-graph example.

No ``graph()``: the edges come from the signatures. ``split`` reads
``load_data`` because ``tuple[Any, Any]`` fits only its return type; ``train``
reads ``split`` by name; ``evaluate`` reads ``train``, the one earlier step that
returns three values. Run it with::

    axl run local -m examples/iris_knn.py:IrisKNN
"""

from __future__ import annotations

from typing import Any

from axl import Param, Workflow, step


class IrisKNN(Workflow):
    name = "iris-knn"
    io_handler = "pickle"

    n_neighbors = Param(5, help="k of the k-nearest-neighbours classifier")
    test_size = Param(0.3, help="fraction of the samples held out for evaluation")

    @step(packages=["scikit-learn"])
    def load_data(self) -> tuple[Any, Any]:
        """Load the iris measurements bundled with scikit-learn (no network)."""
        from sklearn.datasets import load_iris

        data = load_iris()
        return data.data, data.target

    @step(packages=["scikit-learn"])
    def split(self, data: tuple[Any, Any]) -> tuple[Any, Any, Any, Any]:
        """Hold out a stratified test set."""
        from sklearn.model_selection import train_test_split

        features, labels = data
        return tuple(
            train_test_split(
                features, labels, test_size=self.test_size, random_state=42, stratify=labels
            )
        )

    @step(packages=["scikit-learn"])
    def train(self, split: tuple[Any, Any, Any, Any]) -> tuple[Any, Any, Any]:
        """Fit the classifier; pass the held-out set along for evaluation."""
        from sklearn.neighbors import KNeighborsClassifier

        x_train, x_test, y_train, y_test = split
        model = KNeighborsClassifier(n_neighbors=self.n_neighbors).fit(x_train, y_train)
        return model, x_test, y_test

    @step(packages=["scikit-learn"])
    def evaluate(self, trained: tuple[Any, Any, Any]) -> float:
        """Accuracy on the held-out set."""
        model, x_test, y_test = trained
        return float(model.score(x_test, y_test))
