"""`manage.py` commands for operators: importing comment files."""
