"""Bot API keys are kept as their SHA-256 (and first characters), no longer in clear.

Existing keys keep working: each is hashed here, then the clear column goes.
"""

import hashlib

from django.db import migrations, models


def hash_keys(apps, schema_editor):
    Bot = apps.get_model("accounts", "Bot")
    for bot in Bot.objects.all().only("pk", "key"):
        Bot.objects.filter(pk=bot.pk).update(
            key_hash=hashlib.sha256(bot.key.encode()).hexdigest(), key_prefix=bot.key[:8]
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_staff_queues_and_links")]

    operations = [
        migrations.AddField("bot", "key_hash", models.CharField(max_length=64, null=True)),
        migrations.AddField("bot", "key_prefix", models.CharField(max_length=16, default="")),
        migrations.AddField("bot", "last_used_at", models.DateTimeField(blank=True, null=True)),
        migrations.RunPython(hash_keys, migrations.RunPython.noop),
        migrations.RemoveField("bot", "key"),
        migrations.AlterField("bot", "key_hash", models.CharField(max_length=64, unique=True)),
        migrations.AlterField("bot", "key_prefix", models.CharField(max_length=16)),
    ]
