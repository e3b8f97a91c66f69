"""How every benchmark prints a figure: value, target and the ratio to the target."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: float
    higher_is_better: bool = True
    # A limit that may be reached but not passed (rate limits) rather than a strict bound.
    inclusive: bool = False

    @property
    def ratio(self) -> float:
        """How many times better than the target (≥ 1.0 means the target is met)."""
        if self.higher_is_better:
            return self.value / self.target if self.target else float("inf")
        return self.target / self.value if self.value else float("inf")

    @property
    def comparison(self) -> str:
        if self.higher_is_better:
            return "≥"
        return "≤" if self.inclusive else "<"

    @property
    def met(self) -> bool:
        if self.higher_is_better or self.inclusive:
            return self.ratio >= 1.0
        return self.value < self.target


def print_figure(figure: Figure) -> Figure:
    verdict = "OK" if figure.met else "BELOW TARGET"
    print(
        f"  {figure.name:<58} {figure.value:>12,.2f} {figure.unit:<10} "
        f"(target {figure.comparison} {figure.target:,.2f}; ratio {figure.ratio:5.2f}x) {verdict}",
        flush=True,
    )
    return figure
