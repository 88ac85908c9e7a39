"""What Zavhoz's resources cost a month: the settings' table, or the YAML file it names."""

from __future__ import annotations

from pydantic import ValidationError

from core.errors import InvalidInput
from core.settings import PriceTable, ZavhozSettings
from core.yaml_files import read_yaml


def price_table(settings: ZavhozSettings) -> PriceTable:
    path = settings.prices_file
    if path is None:
        return settings.prices
    data = read_yaml(path, "the price table")
    try:
        return PriceTable.model_validate({**settings.prices.model_dump(), **(data or {})})
    except (ValidationError, TypeError) as err:
        raise InvalidInput(f"the price table {path} is invalid: {err}") from None


def monthly_price(prices: PriceTable, kind: str, name: str) -> float:
    """US dollars a month for one resource; a secret costs what its paid API costs."""
    if kind == "secret":
        return prices.api.get(name, 0.0)
    return float(getattr(prices, kind, 0.0)) if kind in ("server", "domain", "database") else 0.0
