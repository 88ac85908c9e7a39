"""What a model's tokens cost: US dollars per million input and output tokens, by model name.

One table for the whole factory. The defaults below are list prices (edit them with
`COSTS_MODEL_PRICES` or a YAML file named by `COSTS_MODEL_PRICES_FILE`, read at each call so a
changed file needs no restart). A call is priced when it is recorded, so a later change of
price never rewrites what was spent.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from core.errors import InvalidInput
from core.yaml_files import read_yaml

# What the offline scripted model calls itself in every reply (agents/offline_model.py).
OFFLINE_MODEL = "offline model"


class ModelPrice(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a typo in the YAML file must not be ignored

    input: float = Field(ge=0.0)  # US$ per 1M prompt tokens
    output: float = Field(ge=0.0)  # US$ per 1M completion tokens


def _p(input: float, output: float) -> ModelPrice:
    return ModelPrice(input=input, output=output)


DEFAULT_MODEL_PRICES: dict[str, ModelPrice] = {
    OFFLINE_MODEL: _p(0.0, 0.0),
    "gpt-5.2": _p(1.75, 14.0),
    "gpt-5": _p(1.25, 10.0),
    "gpt-5-mini": _p(0.25, 2.0),
    "gpt-5-nano": _p(0.05, 0.4),
    "gpt-4.1": _p(2.0, 8.0),
    "gpt-4.1-mini": _p(0.4, 1.6),
    "gpt-4o": _p(2.5, 10.0),
    "gpt-4o-mini": _p(0.15, 0.6),
    "gemini-3-pro": _p(2.0, 12.0),
    "gemini-3-flash": _p(0.5, 3.0),
    "gemini-2.5-pro": _p(1.25, 10.0),
    "gemini-2.5-flash": _p(0.3, 2.5),
    "claude-opus-4.5": _p(5.0, 25.0),
    "claude-sonnet-4.5": _p(3.0, 15.0),
    "claude-haiku-4.5": _p(1.0, 5.0),
}

PriceTable = dict[str, ModelPrice]
# What providers append to one model's name for a snapshot of it (after _canonical's dots to
# dashes): a date (-2024-07-18, -20251101), -latest, -preview, or a preview's date (-05-20).
_SNAPSHOT_SUFFIX = re.compile(r"(-(\d{4}-\d{2}-\d{2}|\d{8}|latest|preview(-\d{2}-\d{2})?))+$")
_TABLE = TypeAdapter(PriceTable)


def model_price_table(overrides: PriceTable, path: Path | None) -> PriceTable:
    """The defaults, then the settings' entries, then the file's: later ones win per model."""
    table = {**_normalised(DEFAULT_MODEL_PRICES), **_normalised(overrides)}
    if path is None:
        return table
    data = read_yaml(path, "the model price table")
    try:
        return {**table, **_normalised(_TABLE.validate_python(data or {}))}
    except ValidationError as err:
        raise InvalidInput(f"the model price table {path} is invalid: {err}") from None


def price_of(table: PriceTable, model: str) -> ModelPrice | None:
    """The entry for `model`, also when a provider names it with a prefix or a snapshot suffix
    (`openai/gpt-4o-mini`, `gpt-4o-mini-2024-07-18`, `gemini-3-pro-preview`, `-latest`).
    Nothing else is stripped: `gpt-5-pro` is another model than `gpt-5`, so it is unpriced
    (and reported so) rather than charged at a wrong price."""
    name = _canonical(model)
    for candidate in (name, name.rsplit("/", 1)[-1]):
        for spelling in (candidate, _SNAPSHOT_SUFFIX.sub("", candidate)):
            if spelling in table:
                return table[spelling]
    return None


def cost_usd(price: ModelPrice, prompt_tokens: int, completion_tokens: int) -> float:
    return (prompt_tokens * price.input + completion_tokens * price.output) / 1_000_000


def _normalised(table: PriceTable) -> PriceTable:
    return {_canonical(name): price for name, price in table.items()}


def _canonical(name: str) -> str:
    # Anthropic's ids spell versions with dashes (`claude-opus-4-5-20251101`) where people and
    # the presets write dots (`claude-opus-4.5`): one spelling for both sides of the lookup.
    return name.strip().lower().replace(".", "-")
