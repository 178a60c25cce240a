from __future__ import annotations

from django.db import models

from apps.accounts.models import Organisation
from apps.visitors.models import Visitor


class Ban(models.Model):
    """A visitor, an IP address or a network (CIDR) refused by one organisation, for a time or for good.

    A row matches a caller when its `visitor` is the caller or the caller's IP
    is in its `network` (a row may have both). Lifting a ban keeps the row
    (`lifted_at`), so staff can see who banned whom and who lifted it.
    """

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(Visitor, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Normalised CIDR ("203.0.113.7/32", "2001:db8::/48"); empty when the ban is by visitor only.
    network = models.CharField(max_length=49, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")
    created_by = models.CharField(max_length=32)  # staff sid
    created_by_name = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    until = models.DateTimeField(null=True, blank=True)  # None: for good
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["org", "lifted_at"])]

    def __str__(self) -> str:
        return f"ban {self.pk} of {self.visitor_id or self.network} (org {self.org_id})"
