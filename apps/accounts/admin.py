from django.contrib import admin
from django.db import transaction

from . import orgs
from .models import Bot, Organisation, Staff


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "auto_assign", "timezone", "created_at")
    search_fields = ("name",)
    # Identity verification's HMAC key: shown so an admin can give it to the shop's server, never edited
    # here (a new key would break every signed-in customer's verification at once).
    readonly_fields = ("secret",)

    def save_model(self, request, obj, form, change):
        """As the settings page does: every process drops its cached copy once the change is committed."""
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: orgs.changed(obj.pk))


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("sid", "name", "org", "user", "role", "status", "max_chats")
    list_filter = ("org", "status")
    list_editable = ("max_chats",)


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    list_display = ("bid", "name", "org", "is_active")
    list_filter = ("org",)
    readonly_fields = ("key",)
