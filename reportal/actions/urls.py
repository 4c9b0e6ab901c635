from django.urls import path, re_path

from reportal.actions import views

app_name = "actions"

urlpatterns = [
    path("", views.removal_overview, name="removal"),
    path("notice/<int:notice_id>/retry", views.retry_notice, name="retry_notice"),
    re_path(r"^cases\.(?P<fmt>csv|json)$", views.cases_export, name="cases_export"),
    re_path(r"^case/(?P<item_id>[0-9]+)\.(?P<fmt>csv|json)$", views.case_export, name="case_export"),
    path("case/<int:item_id>/police-package", views.police_package, name="police_package"),
]
