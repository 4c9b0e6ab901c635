from __future__ import annotations

from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "reportal.pipeline"
    label = "pipeline"
    verbose_name = "Pipeline hand-offs"
    default_auto_field = "django.db.models.BigAutoField"
