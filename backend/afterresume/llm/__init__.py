"""The one LLM entry point (docs/architecture.md): `complete(...)` asks the provider chosen by
settings (LLM_PROVIDER: `local` or `openai`) and records exactly one usage event per call."""

from afterresume.llm.complete import Completion, complete, estimate, model_in_use
from afterresume.llm.errors import LLMError, PermanentLLMError, TransientLLMError

__all__ = [
    "Completion",
    "LLMError",
    "PermanentLLMError",
    "TransientLLMError",
    "complete",
    "estimate",
    "model_in_use",
]
