from django.urls import path

from visitkit.api import ConflictListView, PackageView, VisitRecordView

urlpatterns = [
    path("package/", PackageView.as_view(), name="visit-kit-package"),
    path("records/", VisitRecordView.as_view(), name="visit-kit-records"),
    path("conflicts/", ConflictListView.as_view(), name="visit-kit-conflicts"),
]
