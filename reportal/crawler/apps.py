from django.apps import AppConfig


class CrawlerConfig(AppConfig):
    name = "reportal.crawler"
    label = "crawler"
