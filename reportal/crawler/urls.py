from django.urls import path

from reportal.crawler import views

app_name = "crawler"

urlpatterns = [
    path("", views.crawls, name="crawls"),
    path("<int:crawl_id>/", views.crawl, name="crawl"),
    path("<int:crawl_id>/progress", views.crawl_progress, name="progress"),
    path("<int:crawl_id>/stop", views.stop, name="stop"),
    path("item/<int:item_id>/start", views.start_from_item, name="start_from_item"),
]
