"""The offline backend: a scikit-learn model trained on insights/data, and a learned tagger.

The backend lives in `backend.py`; this package does not import it, so reading the corpus or
the tag rules (the admin, the selectors) does not load scikit-learn into every web process.
"""
