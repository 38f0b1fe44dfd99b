"""Signals by which the register tells the apps above it what happened.

Lower apps never import higher ones (DESIGN.md §2); a higher app that must act on
a register event connects a receiver to one of these in its AppConfig.ready().
Each is sent from inside the service's transaction, after the rows are written;
receivers that enqueue work must do so with transaction.on_commit.
"""

from django.dispatch import Signal

# A person's identity (name, ID number, birth date, sex) was created or changed.
# kwargs: person (cadres.models.Person)
person_identity_changed = Signal()

# A relative was added, or their identity changed.
# kwargs: relative (cadres.models.Relative)
relative_identity_changed = Signal()

# Posts ended (a term expired, a post was ended early, or a general election renewed a
# village's team): one signal for all the posts one service ended, so that receivers act on
# them set-wise; a single post's end is a batch of one.
# kwargs: posts (list[cadres.models.Post]), each with ended_on and end_reason set
post_ended = Signal()

# A roster import wrote many people and relatives at once: one signal for all of
# them, so that receivers can plan one batch of work instead of one per person.
# kwargs: person_ids (list[int]), relative_ids (list[int]) — new or identity changed
register_imported = Signal()

# A misconduct case was disposed of with removal from office (罢免/撤职/清退). Sent by
# supervision's case_dispose, inside its transaction; vetting listens and opens a removal
# case for the district to decide (once per misconduct case, whatever is sent again). The
# two apps never import each other, so the case travels as its id and a label.
# kwargs: person (cadres.models.Person), township (cadres.models.Township), actor (the
# user who disposed), misconduct_case_id (int), misconduct_case_label (str), reason (str)
removal_proposed = Signal()
