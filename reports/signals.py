"""Events of the reports app, so services never import the tasks that react to them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a snapshot build commits; receivers get `snapshot_id`.
snapshot_built = Signal()
