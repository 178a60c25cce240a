"""What the staff console keeps beyond chats: canned responses.

A canned response is a reply staff insert by typing `/shortcut` in the
composer. Shared ones (`owner` empty) belong to the whole organisation;
personal ones to one staff member, who alone sees and edits them.
"""

from __future__ import annotations

from django.db import models

from apps.accounts.models import Organisation, Staff

SHORTCUT_LEN = 32  # typed after "/": a word, not a sentence


class CannedResponse(models.Model):
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    # Empty: shared with the organisation's staff; else the only staff member who sees it.
    owner = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    shortcut = models.CharField(max_length=SHORTCUT_LEN)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One meaning per shortcut in each scope; a personal one may shadow a shared one.
            models.UniqueConstraint(
                fields=["org", "shortcut"], condition=models.Q(owner__isnull=True), name="canned_shared_shortcut"
            ),
            models.UniqueConstraint(
                fields=["owner", "shortcut"], condition=models.Q(owner__isnull=False), name="canned_own_shortcut"
            ),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"
