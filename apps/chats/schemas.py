"""Input shapes of `POST /api/message`, one serializer per message type (seed 004 + brief)."""

from __future__ import annotations

import re

from django.conf import settings
from rest_framework import serializers

from apps.core.validation import (
    IdField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)

ROLES = ("user", "staff", "bot", "system")
CLIENT_MSG_ID = re.compile(r"[0-9A-Za-z._:-]{1,64}")


class CidField(StrictIntegerField):
    """The org id; widgets take it from an HTML attribute, so a digit string is accepted too."""

    def to_internal_value(self, data):
        if isinstance(data, str) and data.isdigit() and len(data) < 19:
            data = int(data)
        return super().to_internal_value(data)


class ClientMsgIdField(StrictCharField):
    default_error_messages = {"bad_key": "must be 1-64 characters of [0-9A-Za-z._:-]"}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not CLIENT_MSG_ID.fullmatch(value):
            self.fail("bad_key")
        return value


class HttpUrlField(StrictCharField):
    default_error_messages = {"bad_url": "must be an http(s) URL"}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2048)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not re.match(r"https?://[^\s/]+", value):
            self.fail("bad_url")
        return value


class FromIn(StrictSerializer):
    id = IdField("user", required=False)
    name = StrictCharField(max_length=100, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=ROLES, required=False)


class ChatRef(StrictSerializer):
    id = IdField("chat")


class MessageIn(StrictSerializer):
    """Fields every message may carry; `from` is a Python keyword, hence get_fields."""

    cid = CidField(required=False)
    type = StrictCharField()
    client_msg_id = ClientMsgIdField(required=False)
    chat_required = True

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = FromIn(required=False)
        fields["chat"] = ChatRef(required=self.chat_required)
        return fields


class TextIn(MessageIn):
    text = StrictCharField(max_length=settings.HORN_MAX_TEXT, trim_whitespace=False)


class QuickReply(StrictSerializer):
    type = serializers.ChoiceField(choices=["postback"])
    text = StrictCharField(max_length=100)
    payload = StrictCharField(max_length=1000)


class ChatTextIn(TextIn):
    """A chat line; staff and bots may offer quick-reply buttons, a visitor's tap answers with one's payload."""

    quick_replies = serializers.ListField(child=QuickReply(), required=False, min_length=1, max_length=10)
    quick_reply_payload = StrictCharField(max_length=1000, required=False)

    def validate_quick_replies(self, buttons):
        # The visitor's answer names its button by payload only: two alike would make it ambiguous.
        payloads = [b["payload"] for b in buttons]
        if len(set(payloads)) != len(payloads):
            raise serializers.ValidationError("each quick reply needs its own payload")
        return buttons


class FileBody(StrictSerializer):
    """`src` must be an upload of the org (apps.files); name and size are taken from it, whatever is sent."""

    name = StrictCharField(max_length=255, required=False)
    src = HttpUrlField()
    size = StrictIntegerField(min_value=0, max_value=settings.HORN_MAX_FILE_SIZE, required=False)


class FileIn(MessageIn):
    file = FileBody()


class ImageBody(StrictSerializer):
    """`src` must be an image upload of the org; width, height and size are taken from it."""

    src = HttpUrlField()
    width = StrictIntegerField(min_value=1, max_value=100_000, required=False)
    height = StrictIntegerField(min_value=1, max_value=100_000, required=False)
    size = StrictIntegerField(min_value=0, max_value=settings.HORN_MAX_FILE_SIZE, required=False)


class ImageIn(MessageIn):
    image = ImageBody()


class RequestEvent(StrictSerializer):
    chat = ChatRef(required=False)
    uids = serializers.ListField(child=IdField("user"), required=False, max_length=10)
    queue = StrictCharField(max_length=64, required=False, allow_blank=True)


class RequestChatIn(MessageIn):
    chat_required = False
    event = RequestEvent(required=False)


class JoinEvent(StrictSerializer):
    chat = ChatRef(required=False)


class ClaimEvent(StrictSerializer):
    chat = ChatRef(required=False)
    queue = StrictCharField(max_length=64, required=False, allow_blank=True)  # claim the oldest of this queue


class JoinChatIn(MessageIn):
    chat_required = False
    event = ClaimEvent(required=False)


class ChatEventIn(MessageIn):
    """A lifecycle event about `chat` with no event fields of its own (leave_chat)."""

    event = JoinEvent(required=False)


class ReadEvent(StrictSerializer):
    mid = IdField("mid")


class ReadIn(MessageIn):
    event = ReadEvent()


class TransferTo(StrictSerializer):
    staff = IdField("staff", required=False)
    bot = IdField("bot", required=False)
    queue = StrictCharField(max_length=64, required=False)

    def validate(self, attrs):
        if len(attrs) != 1:
            raise serializers.ValidationError("give exactly one of staff, bot or queue")
        return attrs


class TransferEvent(StrictSerializer):
    chat = ChatRef(required=False)
    to = TransferTo()


class TransferIn(MessageIn):
    event = TransferEvent()


class IdentifiedEvent(StrictSerializer):
    chat = ChatRef(required=False)
    customer_id = StrictCharField(max_length=128)


class CustomerIdentifiedIn(MessageIn):
    event = IdentifiedEvent()


class EndEvent(StrictSerializer):
    chat = ChatRef(required=False)
    reason = StrictCharField(max_length=500, required=False, allow_blank=True)


class EndChatIn(MessageIn):
    event = EndEvent(required=False)


class TypingEvent(StrictSerializer):
    on = StrictBooleanField()
    text = StrictCharField(max_length=1000, required=False, allow_blank=True, trim_whitespace=False)


class TypingIn(MessageIn):
    event = TypingEvent()


class ViewingEvent(StrictSerializer):
    on = StrictBooleanField()


class ViewingIn(MessageIn):
    event = ViewingEvent()


class InviteEvent(StrictSerializer):
    staff = IdField("staff")


class InviteIn(MessageIn):
    event = InviteEvent()


class RateEvent(StrictSerializer):
    chat = ChatRef(required=False)
    score = StrictIntegerField(min_value=1, max_value=5)  # 4.0, "4" and true are refused, not coerced
    # A few sentences; longer feedback belongs in a message of the chat.
    comment = StrictCharField(max_length=1000, required=False, allow_blank=True)


class RateIn(MessageIn):
    event = RateEvent()


SCHEMAS = {
    "typing": TypingIn,
    "viewing": ViewingIn,
    "invite": InviteIn,
    "read": ReadIn,
    "info": TextIn,
    "text": ChatTextIn,
    "note": TextIn,
    "leave_chat": ChatEventIn,
    "agent_done": ChatEventIn,
    "handover_to_agent": ChatEventIn,
    "client_left": ChatEventIn,
    "client_unload": ChatEventIn,
    "transfer": TransferIn,
    "customer_identified": CustomerIdentifiedIn,
    "end_chat": EndChatIn,
    "file": FileIn,
    "image": ImageIn,
    "request_chat": RequestChatIn,
    "join_chat": JoinChatIn,
    "rate": RateIn,
}
