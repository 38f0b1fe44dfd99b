"""Models of source control (源头管控), one module per concern so the app can grow.

watchlists: the lists handed over by the discipline commission and the political-legal
organs, and their imports. screening: runs, their chunks and the hits they find.
removal: removal cases opened by confirmed disqualifying hits. rules: the negative list and
the eligibility rules, versioned. candidates: the candidate vetting
workflow (凡进必审). election: the general election (换届).
"""

from vetting.models.candidates import (
    CandidateCase,
    CandidateRelative,
    CaseAttachment,
    CaseTransition,
    Checkpoint,
    DefaultDepartment,
    DepartmentOpinion,
)
from vetting.models.election import (
    Election,
    ElectionBatch,
    ElectionPlan,
    ElectionResult,
    ElectionVillage,
)
from vetting.models.removal import RemovalCase
from vetting.models.rules import (
    EligibilityRule,
    EligibilityRules,
    NegativeList,
    NegativeListItem,
)
from vetting.models.screening import Hit, ScreeningChunk, ScreeningRun
from vetting.models.watchlists import (
    WatchlistEntry,
    WatchlistImport,
    WatchlistSource,
)

__all__ = [
    "CandidateCase",
    "CandidateRelative",
    "CaseAttachment",
    "CaseTransition",
    "Checkpoint",
    "DefaultDepartment",
    "DepartmentOpinion",
    "Election",
    "ElectionBatch",
    "ElectionPlan",
    "ElectionResult",
    "ElectionVillage",
    "EligibilityRule",
    "EligibilityRules",
    "Hit",
    "NegativeList",
    "NegativeListItem",
    "RemovalCase",
    "ScreeningChunk",
    "ScreeningRun",
    "WatchlistEntry",
    "WatchlistImport",
    "WatchlistSource",
]
