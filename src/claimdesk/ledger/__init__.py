"""Evidence ledger (SPEC step 2): a tamper-evident hash chain per case.

Every ``cases.CaseEvent`` is appended to its case's chain by a subscriber of the kernel's
timeline writer (``cases.timeline``), one batch per action, and every ``documents.Document`` by
the documents service that stores it (``ledger_append_document``), in the transaction that
writes the record:
``entry_hash = sha256(prev_hash + canonical_record)`` (``rules.py``). Appends lock the
case's ``LedgerHead`` row, so concurrent transactions never fork a chain.

``selectors.ledger_verify`` and ``claimdesk verify-ledger [CLAIM_NO]`` recompute every chain
from the rows as they are *now* and name the first break: a record edited, deleted or
written without its link, an edited entry or hash, entries removed or reordered.

Lock order: an action locks its cases' ledger heads at its end (in key order), after the
other rows of the case it changes (clocks, tasks), and holds them until commit.

Apps add their money-bearing records (``chained.chain_model``) and stored files
(``chained.register_files``); ``checkpoints`` writes the heads to an append-only file so a
chain cut back behind a checkpoint is found. Limits (what was appended after the last
checkpoint; whoever can rewrite the file too): ``docs/ledger.md``.
"""
