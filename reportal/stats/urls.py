from django.urls import path, re_path

from reportal.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    re_path(r"^export/(?P<table>[a-z0-9_]+)\.(?P<fmt>csv|json)$", views.export, name="export"),
    re_path(r"^report/(?P<slug>[-a-zA-Z0-9_]+)/(?P<month>[0-9]{4}-[0-9]{2})/$", views.monthly_report, name="monthly"),
]
