"""/staff/: sign-in steps, the account page, and the admin's staff and audit pages."""

from django.urls import path

from reportal.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account_view, name="account"),
    path("login/", views.login_view, name="login"),
    path("2fa/", views.verify_view, name="verify"),
    path("2fa/setup/", views.enrol_view, name="enrol"),
    path("2fa/recovery-codes/", views.recovery_codes_view, name="recovery_codes"),
    path("password/", views.password_change_view, name="password_change"),
    path("logout/", views.logout_view, name="logout"),
    path("people/", views.staff_list_view, name="staff_list"),
    path("members/", views.member_list_view, name="member_list"),
    path("audit/", views.audit_log_view, name="audit_log"),
]
