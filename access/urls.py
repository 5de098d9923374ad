"""Routes of the access app, included under /api/v1/access/."""

from django.urls import path

from access import api
from audit import api as audit_api

app_name = "access"

urlpatterns = [
    path("cases/<int:pk>/share/", api.ShareCaseView.as_view(), name="case-share"),
    path("cases/<int:pk>/revoke/", api.RevokeShareView.as_view(), name="case-revoke"),
    path("cases/<int:pk>/shares/", api.CaseSharesView.as_view(), name="case-shares"),
    path("cases/<int:pk>/assign/", api.AssignCaseView.as_view(), name="case-assign"),
    path("cases/<int:pk>/reassign/", api.ReassignCaseView.as_view(), name="case-reassign"),
    path("cases/<int:pk>/transfer/", api.TransferCaseView.as_view(), name="case-transfer"),
    path("cases/<int:pk>/history/", audit_api.CaseHistoryView.as_view(), name="case-history"),
    path("cases/<int:pk>/access-log/", audit_api.CaseAccessLogView.as_view(), name="case-access-log"),
]
