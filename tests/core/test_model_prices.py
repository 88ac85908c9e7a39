"""A provider's spelling of a model's name finds its price."""

from __future__ import annotations

import pytest

from core.model_prices import DEFAULT_MODEL_PRICES, model_price_table, price_of


@pytest.mark.parametrize(
    ("answered_by", "listed_as"),
    [
        ("claude-opus-4-5-20251101", "claude-opus-4.5"),  # Anthropic: dashes and a date
        ("claude-haiku-4-5", "claude-haiku-4.5"),
        ("openai/gpt-4o-mini", "gpt-4o-mini"),  # OpenRouter: a provider prefix
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),  # OpenAI: a dated snapshot
        ("GPT-4.1-mini", "gpt-4.1-mini"),  # longest match, not gpt-4.1
    ],
)
def test_providers_spellings_find_the_listed_price(answered_by: str, listed_as: str):
    table = model_price_table({}, None)
    assert price_of(table, answered_by) == DEFAULT_MODEL_PRICES[listed_as]


def test_an_unknown_model_has_no_price():
    assert price_of(model_price_table({}, None), "llama-3-70b") is None
