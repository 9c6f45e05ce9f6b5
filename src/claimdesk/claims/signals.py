"""Signals of the claims app for what ``post_save`` cannot tell: claims written in bulk."""

from django.dispatch import Signal

# Sent by bulk intake after a chunk's claims are written (COPY sends no ``post_save``), in
# the chunk's transaction: ``case_ids`` lists the new claims' cases.
claims_imported = Signal()
