"""The Gemini backend (google-genai): client, parsing, errors, rate limiter, prompts, call log."""

from __future__ import annotations
