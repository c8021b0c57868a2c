"""Customer churn scoring: the explicit-graph example.

``graph()`` wires the steps by calling them symbolically. The first step is
named ``params`` and returns a pydantic model built from the run's parameters,
which the other steps consume like any step output. The shape is a diamond::

    params -> load -> usage_features  -> score
                   \\-> billing_features -/
"""

from __future__ import annotations

import math
import random

from pydantic import BaseModel, Field

from axl import OutputRef, Workflow, step


class ChurnParams(BaseModel):
    """Run parameters, validated by pydantic."""

    customers: int = Field(200, gt=0, description="how many synthetic customers to score")
    seed: int = Field(7, description="seed of the synthetic data")
    threshold: float = Field(0.5, ge=0.0, le=1.0, description="risk above which we flag churn")


class ChurnWorkflow(Workflow):
    name = "churn"

    @step
    def params(self) -> ChurnParams:
        """Turn the raw run parameters into a typed, validated model."""
        return ChurnParams(**self.params)

    @step
    def load(self, params: ChurnParams) -> list[dict[str, float]]:
        """Synthetic customers: tenure in months, monthly usage hours, late payments."""
        rng = random.Random(params.seed)
        return [
            {
                "id": float(i),
                "tenure": float(rng.randint(1, 72)),
                "usage": round(rng.uniform(0.0, 60.0), 2),
                "late_payments": float(rng.randint(0, 6)),
                "monthly_bill": round(rng.uniform(10.0, 120.0), 2),
            }
            for i in range(params.customers)
        ]

    @step
    def usage_features(self, customers: list[dict[str, float]]) -> dict[int, float]:
        """Low usage and short tenure raise the risk."""
        return {int(c["id"]): -0.05 * c["usage"] - 0.03 * c["tenure"] for c in customers}

    @step
    def billing_features(self, customers: list[dict[str, float]]) -> dict[int, float]:
        """Late payments and high bills raise the risk."""
        return {
            int(c["id"]): 0.6 * c["late_payments"] + 0.01 * c["monthly_bill"] for c in customers
        }

    @step
    def score(
        self, usage: dict[int, float], billing: dict[int, float], params: ChurnParams
    ) -> dict[str, float]:
        """Logistic churn risk per customer, and how many are above the threshold."""
        risks = [1.0 / (1.0 + math.exp(-(usage[i] + billing[i] + 0.5))) for i in sorted(usage)]
        flagged = sum(risk > params.threshold for risk in risks)
        return {
            "customers": float(len(risks)),
            "flagged": float(flagged),
            "mean_risk": round(sum(risks) / len(risks), 6),
        }

    def graph(self) -> OutputRef:
        p = self.params()
        customers = self.load(p)
        usage = self.usage_features(customers)
        billing = self.billing_features(customers)
        return self.score(usage, billing, p)
