"""The analyst's workbench, mounted at /workbench/."""

from django.urls import path

from reportal.hotline import mediaviews, views

app_name = "hotline"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("items/<int:item_id>/claim/", views.claim, name="claim"),
    path("items/<int:item_id>/release/", views.release, name="release"),
    path("items/<int:item_id>/assess/", views.assess, name="assess"),
    path("items/<int:item_id>/abuse-contact/", views.abuse_contact, name="abuse_contact"),
    path("next/", views.next_item, name="next"),
    path("items/<int:item_id>/preview/", views.item_preview, name="item_preview"),
    path("items/<int:item_id>/media/", mediaviews.media_grid, name="media"),
    path("items/<int:item_id>/media/grade/", mediaviews.grade_media, name="grade_media"),
    path("items/<int:item_id>/media/collect/", mediaviews.collect_media, name="collect_media"),
    path("preview/<str:token>/", views.thumbnail, name="thumbnail"),
    path("preview/<str:token>/reveal/", views.reveal, name="reveal"),
    path("heartbeat/", views.heartbeat, name="heartbeat"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<int:review_id>/", views.review_detail, name="review"),
    path("team/", views.team, name="team"),
]
