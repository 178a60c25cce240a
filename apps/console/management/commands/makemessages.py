"""Django's makemessages without fuzzy guesses (`make messages`).

msgmerge marks a new string "fuzzy" with the translation of a similar old one; gettext skips fuzzy
entries, so the guess is never shown, but it looks translated in the .po and is easy to miss.
Django's command has no switch for msgmerge's --no-fuzzy-matching: its options are a class attribute.
"""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
