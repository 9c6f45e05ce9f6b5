"""Tamper-evident ledger: per case, a hash chain over timeline events and documents."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordType(models.TextChoices):
    """The kinds of record chained (``rules.EVENT`` / ``rules.DOCUMENT``)."""

    EVENT = "event", _("timeline event")
    DOCUMENT = "document", _("document")


class LedgerHead(models.Model):
    """The tip of one case's chain. Appends lock this row, so a chain never forks."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, primary_key=True, related_name="ledger_head"
    )
    seq = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ledger head")
        verbose_name_plural = _("ledger heads")

    def __str__(self) -> str:
        return f"{self.case_id} #{self.seq} {self.last_hash[:12]}"


class LedgerEntry(models.Model):
    """One link: ``entry_hash = sha256(prev_hash + canonical record)``.

    ``digests`` holds a short fingerprint per field of the record, so a check can name the
    field that changed; the integrity itself rests on ``entry_hash``.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="ledger", db_index=False
    )  # ledger_case_seq leads with it
    seq = models.PositiveIntegerField()
    # An event, a document, or a record type an app chains (``chained.chain_model``).
    record_type = models.CharField(max_length=20)
    record_id = models.BigIntegerField()
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)
    digests = models.JSONField(default=dict)
    at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["case", "seq"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="ledger_case_seq"),
            models.UniqueConstraint(fields=["record_type", "record_id"], name="ledger_record"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.seq} {self.record_type} {self.record_id}"


class LedgerCheckpoint(models.Model):
    """One checkpoint of the chains' heads, also written as one line of the append-only
    checkpoint file (``CLAIMDESK_LEDGER_CHECKPOINT_FILE``). The file is what counts: a
    chain cut back behind a head it recorded is found by ``verify-ledger`` even when this
    table was rewritten too; this row says when and where it was written."""

    at = models.DateTimeField(_("written at"))
    source = models.CharField(_("written by"), max_length=20)
    heads = models.PositiveIntegerField(_("heads recorded"))
    line_hash = models.CharField(_("line hash"), max_length=64, unique=True)
    path = models.CharField(_("file"), max_length=500)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.heads} {self.line_hash[:12]}"


class CheckpointedHead(models.Model):
    """Each chain's head as the last checkpoint recorded it, so the next one writes only
    what moved (and refuses to record a head that went backwards)."""

    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="ledger_checkpointed",
    )
    seq = models.PositiveIntegerField()
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.case_id} #{self.seq} {self.last_hash[:12]}"
