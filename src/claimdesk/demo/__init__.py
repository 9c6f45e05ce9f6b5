"""Demo data for ``claimdesk demo`` and the first ``make run``: named accounts in every role
and a few hundred cases with a believable past, built only through the real services.

Nothing in the product imports this app; production settings never load it (``claimdesk run``
skips it when ``CLAIMDESK_INSECURE_DEV=0``).
"""
