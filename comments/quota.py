"""Per-client ingestion quotas: comments per minute and per day, counted in the cache (Redis).

One client could otherwise flood the classification queue and the Gemini spend (issue 11).
Fixed windows keep it to one atomic INCRBY per window and request.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from lib.errors import TooManyRequests

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

_MINUTE, _DAY = 60, 86_400


def ingest_quota_consume(*, user: User, count: int) -> None:
    """Count `count` new comments against `user`'s quotas, or raise TooManyRequests.

    A refused request counts nothing. With the cache unreachable the quota is not enforced
    (logged): ingestion must keep answering when Redis is down (DESIGN §4.3).
    """
    windows = [
        (seconds, limit)
        for seconds, limit in (
            (_MINUTE, settings.INGEST_QUOTA_PER_MINUTE),
            (_DAY, settings.INGEST_QUOTA_PER_DAY),
        )
        if limit > 0
    ]
    if count <= 0 or not windows:
        return
    try:
        _consume(user.pk, count, windows)
    except TooManyRequests:
        raise
    except Exception:  # any cache failure: redis-py, or a backend's own errors
        logger.warning("Ingestion quota not enforced: cache unavailable", exc_info=True)


def _consume(user_id: int, count: int, windows: list[tuple[int, int]]) -> None:
    now = int(time.time())
    counted: list[str] = []
    for seconds, limit in windows:
        key = f"ingest-quota:{user_id}:{seconds}:{now // seconds}"
        cache.add(key, 0, timeout=seconds + 60)
        used = cache.incr(key, count)
        counted.append(key)
        if used > limit:
            for done in counted:
                cache.decr(done, count)
            raise _quota_exceeded(seconds, limit, used - count, retry_after=seconds - now % seconds)


def _quota_exceeded(seconds: int, limit: int, used: int, *, retry_after: int) -> TooManyRequests:
    period = _("por minuto") if seconds == _MINUTE else _("por dia")
    return TooManyRequests(
        _("Cota de envio esgotada: %(limit)d comentários %(period)s; já usados %(used)d.")
        % {"limit": limit, "period": period, "used": used},
        retry_after=retry_after,
        details={"limite": limit, "usados": used, "janela_segundos": seconds},
    )
