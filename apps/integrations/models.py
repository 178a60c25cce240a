"""What other systems are handed: the event stream's checkpoint (see stream.py)."""

from django.db import models


class StreamCheckpoint(models.Model):
    """The last org sequence number known to be in the org's Redis Stream.

    Only consulted when the stream itself is gone (Redis lost its data): the relay
    then starts after this number instead of after nothing.
    """

    org_id = models.BigIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
