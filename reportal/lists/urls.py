"""Pages of the lists stage, before the portal catch-all: the blocking page of each portal."""

from django.urls import path

from reportal.lists import views

urlpatterns = [
    path("<slug:slug>/blocked/", views.blocked_page, name="lists-blocked"),
]
