"""The district's management records (制度管理, DESIGN.md §1), part of the register.

An app of its own (label ``records``) inside the ``cadres`` package: it stands on the
register's core and adds its profile section from ``RecordsConfig.ready()``. Its tables
keep the names they had as models of ``cadres`` (``records/migrations/0001`` moved them
without renaming a table).
"""
