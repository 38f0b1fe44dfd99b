"""The district's management records (制度管理, DESIGN.md §1), part of the register.

Kept in a subpackage of ``cadres`` so that they can grow without crowding the
register's core; Django loads the models through ``cadres.models``.
"""
