"""The curators' console for comments and tags (DESIGN §1), one module per admin page.

Importing the package registers the admins; `site` brands the admin site for every app.
"""

from comments.admin import comment, exports, review, site, tag  # noqa: F401  (registers the admins)
