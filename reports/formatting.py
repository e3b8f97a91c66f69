"""Numbers as people in Brazil read them: "12.345", "41%", "0,87"."""

from __future__ import annotations


def integer(value: int) -> str:
    """12345 → "12.345"."""
    return f"{value:,}".replace(",", ".")


def percent(value: float) -> str:
    """0.4123 → "41%"."""
    return f"{value * 100:.0f}%"


def decimal(value: float, places: int = 2) -> str:
    """0.8734 → "0,87"."""
    return f"{value:.{places}f}".replace(".", ",")
