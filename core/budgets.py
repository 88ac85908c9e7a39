"""Budgets on model spending: the words and small rules the activities, the workflows and the
people's tools share. No I/O: workflows import it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

# The ApplicationError type a model-using activity raises, instead of calling the model, when
# a budget is used up; ProjectWorkflow catches it and asks the owner (README, *Costs and budgets*).
BUDGET_EXHAUSTED = "BudgetExhausted"

BudgetScope = Literal["project", "tenant"]


@dataclass(frozen=True)
class BudgetState:
    """One budget that applies to a project, and what has been spent against it."""

    scope: BudgetScope
    limit_usd: float
    spent_usd: float

    @property
    def exhausted(self) -> bool:
        return self.spent_usd >= self.limit_usd

    def describe(self) -> str:
        return f"{self.scope} budget ${self.limit_usd:.2f}, spent ${self.spent_usd:.2f}"

    def details(self) -> list[object]:
        """What travels with the error to the workflow (plain values: they cross the wire)."""
        return [self.scope, self.limit_usd, self.spent_usd]

    @classmethod
    def from_details(cls, details: object) -> BudgetState | None:
        if not (isinstance(details, list | tuple) and len(details) == 3):
            return None
        scope, limit, spent = details
        if scope not in ("project", "tenant"):
            return None
        return cls(scope, float(limit), float(spent))


def parse_amount(text: str) -> float | None:
    """A budget typed by a person ("25", "$25.50", "25 usd"); None when it is not one."""
    cleaned = text.strip().lower().removeprefix("$").removesuffix("usd").strip().replace(",", "")
    try:
        amount = float(cleaned)
    except ValueError:
        return None
    return amount if math.isfinite(amount) else None


def amount_problem(amount: float | None, spent_usd: float = 0.0) -> str | None:
    """Why `amount` cannot be a budget, in words for the person who typed it."""
    if amount is None:
        return "give the budget as an amount of US dollars, e.g. 25 or 25.50"
    if not math.isfinite(amount):
        return "a budget must be a finite amount of US dollars"
    if amount <= 0:
        return f"a budget must be more than $0 (got {amount:g})"
    if amount <= spent_usd:
        return f"a new budget must be more than the ${spent_usd:.2f} already spent"
    return None
