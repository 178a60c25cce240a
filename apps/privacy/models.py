"""What an organisation keeps and for how long, and the record of what was deleted, exported or erased."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from apps.accounts.models import Organisation

MIN_DAYS, MAX_DAYS = 1, 3650  # a day at least (a run must not race live chats), ten years at most


class RetentionPolicy(models.Model):
    """An organisation's retention: ended chats, their messages and files, and page views older than `days`
    are deleted by the retention run. No row, or `days` null: everything is kept."""

    org = models.OneToOneField(Organisation, primary_key=True, on_delete=models.CASCADE, related_name="+")
    days = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class AuditEntry(models.Model):
    """One privacy action: a retention run or change, an export, an erasure. Admins read them, nobody edits them."""

    RETENTION_SET, RETENTION_RUN, EXPORT, ERASE = "retention_set", "retention_run", "export", "erase"
    ACTIONS = [
        (RETENTION_SET, gettext_lazy("Retention changed")),
        (RETENTION_RUN, gettext_lazy("Retention run")),
        (EXPORT, gettext_lazy("Exported")),
        (ERASE, gettext_lazy("Erased")),
    ]

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    actor_id = models.CharField(max_length=32)  # a staff sid, or "system" for the scheduled run
    actor_name = models.CharField(max_length=100, blank=True, default="")
    action = models.CharField(max_length=32, choices=ACTIONS)
    target = models.CharField(max_length=200, blank=True, default="")
    details = models.JSONField(default=dict)

    class Meta:
        # The audit page lists an org's entries newest first.
        indexes = [models.Index(fields=["org", "-id"], name="privacy_audit_org_id")]
