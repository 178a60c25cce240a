"""What the staff console keeps beyond chats: canned responses.

A canned response is a reply staff insert by typing `/shortcut` in the
composer. Shared ones (`owner` empty) belong to the whole organisation;
personal ones to one staff member, who alone sees and edits them.
"""

from __future__ import annotations

from django.db import models

from apps.accounts.models import Organisation, Staff
from apps.core import ids

SHORTCUT_LEN = 32  # typed after "/": a word, not a sentence


class CannedResponse(models.Model):
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    # Empty: shared with the organisation's staff; else the only staff member who sees it.
    owner = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The owner's sid, or "" for a shared one: the unique key below needs a non-null column,
    # since MariaDB has no partial indexes (a condition on owner IS NULL would be dropped there).
    scope = models.CharField(max_length=ids.STAFF_LEN, blank=True, default="")
    shortcut = models.CharField(max_length=SHORTCUT_LEN)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One meaning per shortcut in each scope; a personal one may shadow a shared one.
            models.UniqueConstraint(fields=["org", "scope", "shortcut"], name="canned_shortcut_once"),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"
