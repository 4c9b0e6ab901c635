from django.contrib import admin

from reportal.tracing.models import Trace


@admin.register(Trace)
class TraceAdmin(admin.ModelAdmin):
    list_display = ("hostname", "at", "purpose", "hosting_country", "hosting_network", "cdn_name", "error_code")
    list_filter = ("purpose", "hosting_country", "error_code")
    search_fields = ("hostname", "url")
