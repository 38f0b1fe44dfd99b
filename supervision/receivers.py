"""Reactions to the register's events (connected in SupervisionConfig.ready())."""

from supervision import services


def open_audits_for_ended_posts(sender, posts, **kwargs) -> None:
    # Same transaction as the register's end of the posts: the audits exist iff they ended.
    services.audits_open_for_ended_posts(posts=posts)


def open_handovers_for_ended_posts(sender, posts, **kwargs) -> None:
    # Same transaction: the handovers exist iff the posts ended at a general election.
    services.handovers_open_for_ended_posts(posts=posts)
