from django.urls import path

from risk.api import CalibrationView, FamilyChangeView, FamilyEventsView, PlacementAssessmentView, PlacementRiskView

urlpatterns = [
    path("placements/<int:pk>/", PlacementRiskView.as_view(), name="placement-risk"),
    path("placements/<int:pk>/assessment/", PlacementAssessmentView.as_view(), name="placement-assessment"),
    path("family-events/", FamilyEventsView.as_view(), name="family-events"),
    path("family-changes/", FamilyChangeView.as_view(), name="family-changes"),
    path("calibration/", CalibrationView.as_view(), name="risk-calibration"),
]
