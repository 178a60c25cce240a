from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from apps.accounts.models import Organisation
from apps.core import ids

CUSTOMER_ID_LEN = 128
# Page views further apart than this start a new visit (Google Analytics' session timeout).
VISIT_GAP = timedelta(minutes=30)


class Visitor(models.Model):
    """A website visitor (seed 004 `vid`), created by their first track."""

    vid = models.CharField(primary_key=True, max_length=ids.VISITOR_LEN, default=ids.new_visitor_id, editable=False)
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="visitors")
    fp = models.CharField(max_length=128, blank=True, default="")
    name = models.CharField(max_length=100, blank=True, default="")
    # The org's own id for this person (CRM, shop account): set by track's `customer` or by staff's
    # customer_identified. 128 characters: longer than any CRM/shop id, short enough to index.
    customer_id = models.CharField(max_length=CUSTOMER_ID_LEN, blank=True, default="", db_index=True)
    # True only when track proved the link with the org's HMAC (apps.visitors.identity); only a verified
    # link shares the customer's chats across devices, and once verified the link never changes.
    customer_verified = models.BooleanField(default=False)
    customer_name = models.CharField(max_length=100, blank=True, default="")
    customer_email = models.CharField(max_length=254, blank=True, default="")  # RFC 5321's longest address
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    last_visit = models.ForeignKey("Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Counted as page views are stored (apps.visitors.actions), so the online list shows them for 500
    # visitors without counting their page views; db_default: bulk loaders that write SQL get them too.
    page_views = models.IntegerField(default=0, db_default=0)
    visit_count = models.IntegerField(default=1, db_default=1)  # a page view after VISIT_GAP starts one
    visit_started_at = models.DateTimeField(default=timezone.now)  # the current visit's first page view

    def __str__(self) -> str:
        return self.vid


class Visit(models.Model):
    """One page view reported by `POST /api/user/track` (seed 004 `tid`)."""

    tid = models.CharField(primary_key=True, max_length=ids.TRACK_LEN, editable=False)
    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="visits")
    url = models.CharField(max_length=2048)
    title = models.CharField(max_length=512, blank=True, default="")
    referer = models.CharField(max_length=2048, blank=True, default="")
    os = models.CharField(max_length=128, blank=True, default="")
    browser = models.CharField(max_length=256, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["visitor", "created_at"])]
