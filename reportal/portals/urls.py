"""Public portal pages. Included last by the project's urls.py, so every fixed prefix wins over a portal slug."""

from django.urls import path, register_converter

from reportal.portals import views


class LanguageConverter:
    """A language code (es, kek, pt-br, es-419): two or three letters, never mistaken for a page such as report/."""

    regex = "[a-z]{2,3}(?:-[a-z0-9]{2,8})?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LanguageConverter, "lang")

app_name = "portals"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.redirect_to_language, name="landing-default"),
    path("<slug:slug>/report/", views.redirect_to_language, {"page": "report"}, name="report-default"),
    path("<slug:slug>/status/", views.redirect_to_language, {"page": "status"}, name="status-default"),
    path("<slug:slug>/privacy/", views.redirect_to_language, {"page": "privacy"}, name="privacy-default"),
    path("<slug:slug>/challenge/", views.challenge, name="challenge"),
    path("<slug:slug>/theme.css", views.theme, name="theme"),
    path("<slug:slug>/<lang:lang>/", views.landing, name="landing"),
    path("<slug:slug>/<lang:lang>/report/", views.report, name="report"),
    path("<slug:slug>/<lang:lang>/report/thanks/", views.thanks, name="thanks"),
    path("<slug:slug>/<lang:lang>/status/", views.status, name="status"),
    path("<slug:slug>/<lang:lang>/privacy/", views.privacy, name="privacy"),
]
