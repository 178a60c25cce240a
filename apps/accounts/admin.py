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
    list_display = ("bid", "name", "org", "is_active")
    list_filter = ("org",)
    readonly_fields = ("key",)
