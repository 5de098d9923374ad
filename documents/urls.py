"""Routes of the documents app under /api/v1/: documents and the export of a child's case file."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from documents.api.views import DocumentViewSet
from documents.export_api import ChildCaseFileExportView

router = SimpleRouter()
router.register("documents", DocumentViewSet, basename="document")

urlpatterns = [
    *router.urls,
    path("exports/children/<int:pk>/case-file.pdf", ChildCaseFileExportView.as_view(), name="child-case-file-export"),
]
