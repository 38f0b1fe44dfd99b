"""Every write of the vetting app, one module per concern (see vetting/models).

Import from the modules: ``from vetting.services import screening, review``.
"""
