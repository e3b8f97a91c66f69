"""`manage.py` commands for operators: classify, evaluate, train, pipeline status, demo."""
