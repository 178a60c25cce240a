from django.contrib import admin, messages
from django.db import transaction

from apps.core.errors import HornError

from . import orgs, team
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
    list_display = ("sid", "name", "org", "user", "role", "status", "max_chats", "queues")
    list_filter = ("org", "role", "status")
    list_editable = ("max_chats",)
    actions = ["send_invitation"]

    @admin.action(description="Mail a new invitation (staff who have not set a password yet)")
    def send_invitation(self, request, queryset):
        for staff in queryset:
            try:
                team.invite_again(org_id=staff.org_id, sid=staff.sid, inviter="")
            except HornError as exc:
                self.message_user(request, f"{staff.name}: {exc.msg}", messages.WARNING)
            else:
                self.message_user(request, f"{staff.name}: invitation sent to {staff.user.email}")


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    """A new bot gets its API key here; it is shown once, in the confirmation message."""

    list_display = ("bid", "name", "org", "key_prefix", "is_active", "last_used_at")
    list_filter = ("org",)
    fields = ("org", "name", "is_active", "key_prefix", "last_used_at")
    readonly_fields = ("key_prefix", "last_used_at")

    def save_model(self, request, obj, form, change):
        if not change:
            from .models import hash_api_key, new_api_key

            key = new_api_key()
            obj.key_hash, obj.key_prefix = hash_api_key(key), key[:12]
            super().save_model(request, obj, form, change)
            self.message_user(request, f"API key of {obj.name} (shown once, copy it now): {key}")
            return
        super().save_model(request, obj, form, change)
