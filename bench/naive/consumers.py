"""The Channels tutorial's ChatConsumer: group_add on connect, group_send per message."""

import json
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        room = parse_qs(self.scope["query_string"].decode()).get("room", ["lobby"])[0]
        self.room_group_name = f"chat_{room}"
        await self.channel_layer.group_add(self.room_group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, close_code):
        await self.channel_layer.group_discard(self.room_group_name, self.channel_name)

    async def receive(self, text_data):
        await self.channel_layer.group_send(self.room_group_name, {"type": "chat.message", "message": text_data})

    async def chat_message(self, event):
        await self.send(text_data=json.dumps({"text": event["message"]}))
