"""Evidence ledger (SPEC step 2): a tamper-evident hash chain per case.

Every ``cases.CaseEvent`` is appended to its case's chain by a subscriber of the kernel's
timeline writer (``cases.timeline``), and every ``documents.Document`` by a ``post_save``
receiver, in the transaction that writes the record:
``entry_hash = sha256(prev_hash + canonical_record)`` (``rules.py``). Appends lock the
case's ``LedgerHead`` row, so concurrent transactions never fork a chain.

``selectors.ledger_verify`` and ``claimdesk verify-ledger [CLAIM_NO]`` recompute every chain
from the rows as they are *now* and name the first break: a record edited, deleted or
written without its link, an edited entry or hash, entries removed or reordered.

Lock order: an event locks the case's ledger head until commit, so a transaction must lock
the other rows of the case it will change (clocks, tasks) *before* its first event; the
sweep holds clocks while it writes events.

Limit: whoever can write the database can recompute a whole chain. The ``root`` printed by
``verify-ledger`` is a digest of every chain's head; keep it outside the database and compare.
"""
