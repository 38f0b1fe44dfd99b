"""N versus 2N: what a page or service reads must not grow with the rows it shows.

A ceiling written as a number says nothing about why it is that number and breaks on every
harmless change; comparing the same call with N rows and with 2N rows catches exactly the
defect that matters, one query per row.
"""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def assert_queries_flat(call: Callable[[], object], grow: Callable[[], object]) -> object:
    """Call once to warm the caches (content types, permissions, sessions), count the
    queries of a second call over the N rows there are, let ``grow`` add rows (at least as
    many again), and count a third call: it must not make more queries than the second.
    Returns what the last call returned, for the caller's own assertions."""
    call()
    with CaptureQueriesContext(connection) as before:
        call()
    grow()
    with CaptureQueriesContext(connection) as after:
        result = call()
    if len(after) > len(before):
        shown = "\n".join(f"  {q['sql'][:300]}" for q in after.captured_queries)
        raise AssertionError(
            f"{len(before)} queries before the rows grew, {len(after)} after:\n{shown}"
        )
    return result
