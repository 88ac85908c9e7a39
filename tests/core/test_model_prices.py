"""A provider's spelling of a model's name finds its price."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import InvalidInput
from core.model_prices import DEFAULT_MODEL_PRICES, model_price_table, price_of


@pytest.mark.parametrize(
    ("answered_by", "listed_as"),
    [
        ("claude-opus-4-5-20251101", "claude-opus-4.5"),  # Anthropic: dashes and a date
        ("claude-haiku-4-5", "claude-haiku-4.5"),
        ("openai/gpt-4o-mini", "gpt-4o-mini"),  # OpenRouter: a provider prefix
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),  # OpenAI: a dated snapshot
        ("GPT-4.1-mini", "gpt-4.1-mini"),  # its own entry, not gpt-4.1's
        ("gemini-3-pro-preview", "gemini-3-pro"),  # Google: a preview
        ("gemini-2.5-flash-preview-05-20", "gemini-2.5-flash"),  # a dated preview
        ("claude-sonnet-4-5-latest", "claude-sonnet-4.5"),
        ("gpt-4.1-2025-04-14", "gpt-4.1"),
    ],
)
def test_providers_spellings_find_the_listed_price(answered_by: str, listed_as: str):
    table = model_price_table({}, None)
    assert price_of(table, answered_by) == DEFAULT_MODEL_PRICES[listed_as]


@pytest.mark.parametrize(
    "model",
    [
        "llama-3-70b",
        "gpt-5-pro",  # a dearer sibling of gpt-5, not gpt-5 with a suffix
        "gpt-4.1-nano",  # a cheaper sibling of gpt-4.1
        "openai/gpt-5-codex",
        "gpt-4o-mini-audio-preview",
    ],
)
def test_a_model_the_table_does_not_list_has_no_price(model: str):
    assert price_of(model_price_table({}, None), model) is None


def test_a_binary_file_named_as_the_price_table_is_refused_with_a_sentence(tmp_path: Path):
    binary = tmp_path / "prices.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(InvalidInput, match="is not text"):
        model_price_table({}, binary)
