"""Chats, members and messages: the domain actions that change them and the reads of them."""
