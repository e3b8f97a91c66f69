"""Insights: classifier backends, the classification pipeline, evaluation and the corpus."""
