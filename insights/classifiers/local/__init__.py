"""The offline backend: a scikit-learn model trained on insights/data, and a rule tagger."""

from __future__ import annotations

from insights.classifiers.local.backend import LocalBackend

__all__ = ["LocalBackend"]
