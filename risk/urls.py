from django.urls import path

from risk.api import CalibrationView, FamilyEventsView, PlacementRiskView

urlpatterns = [
    path("placements/<int:pk>/", PlacementRiskView.as_view(), name="placement-risk"),
    path("family-events/", FamilyEventsView.as_view(), name="family-events"),
    path("calibration/", CalibrationView.as_view(), name="risk-calibration"),
]
