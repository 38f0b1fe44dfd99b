"""Models of source control (源头管控), one module per concern so the app can grow.

watchlists: the lists handed over by the discipline commission and the political-legal
organs, and their imports. screening: runs, their chunks and the hits they find.
removal: removal cases opened by confirmed disqualifying hits. The candidate vetting
workflow adds its own module here.
"""

from vetting.models.removal import RemovalCase
from vetting.models.screening import Hit, ScreeningChunk, ScreeningRun
from vetting.models.watchlists import (
    EntryNameVariant,
    MildMeasure,
    WatchlistEntry,
    WatchlistImport,
    WatchlistSource,
)

__all__ = [
    "EntryNameVariant",
    "Hit",
    "MildMeasure",
    "RemovalCase",
    "ScreeningChunk",
    "ScreeningRun",
    "WatchlistEntry",
    "WatchlistImport",
    "WatchlistSource",
]
