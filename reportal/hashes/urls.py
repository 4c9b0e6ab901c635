"""HMA-compatible paths (Hasher-Matcher-Actioner's /h, /m and /c blueprints), included at the site root."""

from django.urls import path

from reportal.hashes import hma

app_name = "hashes"

urlpatterns = [
    path("h/hash", hma.hash_media, name="hash"),
    path("m/raw_lookup", hma.raw_lookup, name="raw_lookup"),
    path("m/lookup", hma.lookup, name="lookup"),
    path("m/index/status", hma.index_status, name="index_status"),
    path("c/banks", hma.banks, name="banks"),
    path("c/bank/<str:bank_name>", hma.bank, name="bank"),
    path("c/bank/<str:bank_name>/signal", hma.bank_signal, name="bank_signal"),
    path("c/bank/<str:bank_name>/content", hma.bank_content, name="bank_content"),
    path("c/bank/<str:bank_name>/content/<int:content_id>", hma.bank_content_item, name="bank_content_item"),
]
