"""Django admin for the classification schemes: operators add, rename and retire options without code."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from reportal.hotline.auditing import audit
from reportal.hotline.models import ClassificationOption, ClassificationScheme


class OptionInline(admin.TabularInline):
    model = ClassificationOption
    extra = 1
    fields = ["key", "label", "position", "active"]


@admin.register(ClassificationScheme)
class ClassificationSchemeAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "kind", "required_when_actionable", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["kind", "active"]
    inlines = [OptionInline]

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # past assessments name these keys: retire a scheme (active off) instead of deleting it

    def save_model(self, request: Any, obj: ClassificationScheme, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit(
            request.user,
            "scheme.changed" if change else "scheme.added",
            obj,
            key=obj.key,
            fields=sorted(form.changed_data),
            via="admin",
        )

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        changed = sorted({option.key for option in formset.new_objects + [o for o, _f in formset.changed_objects]})
        if changed:
            audit(
                request.user,
                "scheme.options_changed",
                form.instance,
                key=form.instance.key,
                options=changed,
                via="admin",
            )
