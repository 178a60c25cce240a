"""What other systems are handed: the event stream's checkpoint (see stream.py)."""

from django.db import models


class StreamCheckpoint(models.Model):
    """The last org sequence number known to be in the org's Redis Stream.

    Only consulted when the stream itself is gone (Redis lost its data): the relay
    then starts after this number instead of after nothing.
    """

    org_id = models.BigIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)


class Webhook(models.Model):
    """An org's subscription of one URL to event names (the event stream's names, or "*")."""

    org = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    description = models.CharField(max_length=200, blank=True, default="")
    # Signs every delivery (HMAC-SHA256); shown once, when created. Stored as is: signing needs it.
    secret = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    # The last org sequence number turned into deliveries: events after it are still to be looked at.
    cursor = models.BigIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)


class WebhookDelivery(models.Model):
    """One event for one webhook: its log entry, and its place in the outbox until delivered or given up."""

    PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
    STATES = [(s, s) for s in (PENDING, DELIVERED, FAILED)]

    id = models.CharField(primary_key=True, max_length=32)  # X-Horn-Delivery: the same on every retry
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    seq = models.BigIntegerField()
    event = models.CharField(max_length=40)
    body = models.TextField()  # the exact JSON that is signed and sent, every time
    state = models.CharField(max_length=10, choices=STATES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["webhook", "created_at"]),
        ]
        constraints = [models.UniqueConstraint(fields=["webhook", "seq"], name="delivery_webhook_seq")]
