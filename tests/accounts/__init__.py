"""Tests (mirrors the app layout)."""
