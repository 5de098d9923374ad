from django.urls import path

from stats.views import IndicatorListView, IndicatorView

app_name = "stats"

urlpatterns = [
    path("", IndicatorListView.as_view(), name="indicators"),
    path("<str:indicator>/", IndicatorView.as_view(), name="indicator"),
]
