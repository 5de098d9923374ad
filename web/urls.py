"""The server-rendered pages, mounted at the site root."""

from django.contrib.auth import views as auth_views
from django.urls import path

from web.views import access, cases, children, common, consents, documents, families, notifications, statistics, units, visits

app_name = "web"

urlpatterns = [
    path("", common.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="web/accounts/login.html",
                                                         redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/", cases.my_cases, name="my-cases"),
    path("cases/<int:pk>/", cases.case_detail, name="case"),
    path("cases/<int:pk>/move/", cases.move_stage, name="case-move"),
    path("cases/<int:pk>/notes/", cases.add_note, name="case-note"),
    path("cases/<int:pk>/consents/", consents.record, name="consent-record"),
    path("cases/<int:pk>/consents/<int:consent_pk>/revoke/", consents.revoke, name="consent-revoke"),
    path("cases/<int:pk>/shares/", access.share, name="case-share"),
    path("cases/<int:pk>/shares/<int:user_pk>/revoke/", access.revoke, name="case-share-revoke"),
    path("cases/emergency-access/", access.emergency_access, name="emergency-access"),
    path("cases/<int:pk>/matching/", cases.matching, name="case-matching"),
    path("cases/<int:pk>/visits/<int:visit_pk>/record/", visits.record_visit_view, name="visit-record"),
    path("cases/<int:pk>/placements/<int:placement_pk>/visits/new/", visits.record_unscheduled_visit_view,
         name="visit-unscheduled"),
    path("cases/<int:pk>/placements/<int:placement_pk>/end/", cases.end_placement_view, name="placement-end"),
    path("children/", children.children, name="children"),
    path("children/new/", children.register_child, name="child-new"),
    path("children/iin-check/", children.iin_check, name="iin-check"),
    path("children/home-options/", children.home_options, name="home-options"),
    path("children/<int:pk>/", children.child_detail, name="child"),
    path("children/<int:pk>/edit/", children.edit_child, name="child-edit"),
    path("children/<int:pk>/siblings/add/", children.add_sibling_view, name="child-sibling-add"),
    path("children/<int:pk>/siblings/leave/", children.leave_sibling_group, name="child-sibling-leave"),
    path("families/", families.families, name="families"),
    path("families/new/", families.register_family, name="family-new"),
    path("families/<int:pk>/", families.family_detail, name="family"),
    path("families/<int:pk>/edit/", families.edit_family, name="family-edit"),
    path("children/<int:pk>/documents/new/", documents.upload, {"kind": "child"}, name="child-document-upload"),
    path("families/<int:pk>/documents/new/", documents.upload, {"kind": "family"}, name="family-document-upload"),
    path("cases/<int:pk>/documents/new/", documents.upload, {"kind": "case"}, name="case-document-upload"),
    path("documents/<int:pk>/download/", documents.download, name="document-download"),
    path("notifications/", notifications.inbox, name="inbox"),
    path("notifications/<int:pk>/read/", notifications.mark_notification_read, name="notification-read"),
    path("unit/", units.dashboard, name="dashboard"),
    path("unit/cases/<int:pk>/decision/", units.review_decision, name="decision-review"),
    path("statistics/", statistics.statistics, name="statistics"),
]
