from django.contrib import admin

from .models import Organisation, Staff


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "created_at")
    search_fields = ("name",)


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("sid", "name", "org", "user")
    list_filter = ("org",)
