"""An upload: bytes Horn stored (re-encoded if an image) and serves itself, owned by one organisation."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.utils import timezone

# 18 random bytes: 144 bits, 24 URL-safe characters. The id is the only secret
# between a file and anyone on the internet, so it must never be guessable.
ID_BYTES = 18
ID_LEN = 24


def new_upload_id() -> str:
    return secrets.token_urlsafe(ID_BYTES)


class Upload(models.Model):
    FILES, IMAGES = "files", "images"  # the endpoint it came through, which decides its public URL

    id = models.CharField(primary_key=True, max_length=32, default=new_upload_id, editable=False)
    org = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    chat_id = models.CharField(max_length=32, null=True, blank=True)  # empty for /images (not tied to a chat)
    uploader_id = models.CharField(max_length=32)
    uploader_role = models.CharField(max_length=8)
    source = models.CharField(max_length=8, choices=[(FILES, FILES), (IMAGES, IMAGES)], default=FILES)
    name = models.CharField(max_length=255)  # sanitised (apps.files.names)
    size = models.PositiveBigIntegerField()  # of the stored bytes (after re-encoding)
    content_type = models.CharField(max_length=100)  # read from the bytes, never from the client
    width = models.PositiveIntegerField(null=True, blank=True)  # set for images only
    height = models.PositiveIntegerField(null=True, blank=True)
    storage_name = models.CharField(max_length=255)  # key in the `uploads` storage
    created_at = models.DateTimeField(default=timezone.now)

    @property
    def is_image(self) -> bool:
        return self.width is not None

    @property
    def src(self) -> str:
        base = settings.HORN_PUBLIC_URL
        if self.source == self.IMAGES:
            return f"{base}/images/{self.id}"
        return f"{base}/files/{self.id}/{quote(self.name, safe='')}"

    def as_dict(self) -> dict:
        out = {
            "id": self.id,
            "name": self.name,
            "size": self.size,
            "content_type": self.content_type,
            "src": self.src,
        }
        if self.is_image:
            out["width"], out["height"] = self.width, self.height
        return out
