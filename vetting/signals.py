"""Signals by which vetting tells the project above it what happened to a candidate case.

Vetting never imports the project (DESIGN.md §2); the project's notifications connect
receivers to these in its AppConfig.ready(). Each is sent from inside the service's
transaction, after the rows are written and the step is logged; receivers that write or
enqueue work must do so with transaction.on_commit, so that a step rolled back tells
nobody anything.
"""

from django.dispatch import Signal

# The district asked departments for their opinions on a case (case_joint_review_open).
# kwargs: case (vetting.models.CandidateCase), opinion_ids (list[int]) — the opinions
# just requested, one per department newly asked; actor (the district reviewer)
opinions_requested = Signal()

# A case was returned to its nominator for revision, by the township or the district.
# kwargs: case (vetting.models.CandidateCase), actor, note (str) — what must be revised
case_returned = Signal()

# A case was decided: approved by the district, or rejected (by the township or the district).
# kwargs: case (vetting.models.CandidateCase, its state APPROVED or REJECTED), actor,
# reason (str)
case_decided = Signal()
