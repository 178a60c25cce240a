from django.contrib import admin

from .models import Organisation, Staff


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "auto_assign", "created_at")
    search_fields = ("name",)


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("sid", "name", "org", "user", "status", "max_chats")
    list_filter = ("org", "status")
    list_editable = ("max_chats",)
