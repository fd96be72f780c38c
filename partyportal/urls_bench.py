"""The production URLs and the benchmark's floor page (partyportal.settings.bench only)."""

from django.urls import path

from apps.portal.floor import floor

from .urls import handler403
from .urls import urlpatterns as production_urlpatterns

urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *production_urlpatterns]

__all__ = ["handler403", "urlpatterns"]
