"""The curators' dashboard: the admin index as an operations console (issue 8).

It lives in `reports`, the top layer, because it reads comments, the pipeline (insights) and
the reports' spike alerts; no lower app may import upwards.
"""
