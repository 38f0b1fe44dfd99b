"""Reactions to the register's events (connected in SupervisionConfig.ready())."""

from supervision import services


def open_audit_for_ended_post(sender, post, **kwargs) -> None:
    # Same transaction as the register's post_end: the audit exists iff the post ended.
    services.audit_open_for_ended_post(post=post)


def open_handover_for_ended_post(sender, post, **kwargs) -> None:
    # Same transaction: the handover exists iff the post ended at a general election.
    services.handover_open_for_ended_post(post=post)
