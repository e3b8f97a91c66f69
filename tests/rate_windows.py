"""Count what passed through a rate limit: shared by the rate limiter tests and the benchmark."""

from __future__ import annotations

from bisect import bisect_left


def most_in_any_window(events: list[tuple[float, int]], window: float) -> tuple[int, int]:
    """The most events, and the most tokens, found in any half-open window [t, t + window).

    `events` are (time in seconds, tokens) pairs: grants of the limiter, or requests arriving
    at the fake Gemini server.
    """
    events = sorted(events)
    times = [at for at, _tokens in events]
    most_events = most_tokens = 0
    for i, start in enumerate(times):
        end = bisect_left(times, start + window)
        most_events = max(most_events, end - i)
        most_tokens = max(most_tokens, sum(tokens for _at, tokens in events[i:end]))
    return most_events, most_tokens
