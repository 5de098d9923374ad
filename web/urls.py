"""The server-rendered pages, mounted at the site root."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from web.views import (
    access,
    accounts,
    cases,
    children,
    common,
    consents,
    documents,
    families,
    notifications,
    risk,
    statistics,
    units,
    visits,
)

app_name = "web"

urlpatterns = [
    path("", common.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="web/accounts/login.html",
                                                         redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", visits.SignOutView.as_view(), name="logout"),
    # Password change and reset by e-mail: Django's own views, in the site's layout. A changed password
    # ends the user's other sessions and revokes their API tokens (accounts.models.User.save).
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(
        template_name="web/accounts/password_change.html", success_url=reverse_lazy("web:password-change-done"),
    ), name="password-change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="web/accounts/password_change_done.html"), name="password-change-done"),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(
        template_name="web/accounts/password_reset.html", email_template_name="web/accounts/password_reset_email.txt",
        subject_template_name="web/accounts/password_reset_subject.txt", success_url=reverse_lazy("web:password-reset-done"),
    ), name="password-reset"),
    path("accounts/password/reset/done/", auth_views.PasswordResetDoneView.as_view(
        template_name="web/accounts/password_reset_done.html"), name="password-reset-done"),
    path("accounts/password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="web/accounts/password_reset_confirm.html", success_url=reverse_lazy("web:password-reset-complete"),
    ), name="password-reset-confirm"),
    path("accounts/password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(
        template_name="web/accounts/password_reset_complete.html"), name="password-reset-complete"),
    path("cases/", cases.my_cases, name="my-cases"),
    path("cases/<int:pk>/", cases.case_detail, name="case"),
    path("cases/<int:pk>/move/", cases.move_stage, name="case-move"),
    path("cases/<int:pk>/notes/", cases.add_note, name="case-note"),
    path("cases/<int:pk>/timeline/", cases.case_timeline_page, name="case-timeline"),
    path("cases/<int:pk>/consents/", consents.record, name="consent-record"),
    path("cases/<int:pk>/consents/<int:consent_pk>/revoke/", consents.revoke, name="consent-revoke"),
    path("cases/<int:pk>/shares/", access.share, name="case-share"),
    path("cases/<int:pk>/shares/<int:user_pk>/revoke/", access.revoke, name="case-share-revoke"),
    path("cases/emergency-access/", access.emergency_access, name="emergency-access"),
    path("cases/<int:pk>/matching/", cases.matching, name="case-matching"),
    path("cases/<int:pk>/acquaintances/", cases.choose_for_acquaintance_view, name="case-acquaintance"),
    path("cases/<int:pk>/visits/<int:visit_pk>/record/", visits.record_visit_view, name="visit-record"),
    path("cases/<int:pk>/placements/<int:placement_pk>/visits/new/", visits.record_unscheduled_visit_view,
         name="visit-unscheduled"),
    path("visits/kit/", visits.visit_kit, name="visit-kit"),
    path("visits/kit/sw.js", visits.visit_kit_service_worker, name="visit-kit-sw"),
    path("visits/kit/manifest.webmanifest", visits.visit_kit_manifest, name="visit-kit-manifest"),
    path("visits/conflicts/", visits.visit_conflicts, name="visit-conflicts"),
    path("cases/<int:pk>/placements/<int:placement_pk>/end/", cases.end_placement_view, name="placement-end"),
    path("cases/<int:pk>/placements/<int:placement_pk>/convert-to-trusteeship/", cases.convert_to_trusteeship_view,
         name="placement-convert"),
    path("cases/<int:pk>/placements/<int:placement_pk>/move/", cases.move_family_view, name="placement-move"),
    path("cases/<int:pk>/reentry/", cases.reentry_view, name="case-reentry"),
    path("cases/<int:pk>/forms/<slug:name>/", cases.case_form, name="case-form"),
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
    path("families/<int:pk>/change/", families.record_change, name="family-change"),
    path("families/<int:pk>/carer-check/", families.record_passed_carer_check, name="family-carer-check"),
    path("children/<int:pk>/documents/new/", documents.upload, {"kind": "child"}, name="child-document-upload"),
    path("families/<int:pk>/documents/new/", documents.upload, {"kind": "family"}, name="family-document-upload"),
    path("cases/<int:pk>/documents/new/", documents.upload, {"kind": "case"}, name="case-document-upload"),
    path("documents/<int:pk>/download/", documents.download, name="document-download"),
    path("notifications/", notifications.inbox, name="inbox"),
    path("notifications/<int:pk>/read/", notifications.mark_notification_read, name="notification-read"),
    path("unit/", units.dashboard, name="dashboard"),
    path("unit/cases/<int:pk>/decision/", units.review_decision, name="decision-review"),
    path("statistics/", statistics.statistics, name="statistics"),
    path("risk/backtest/", risk.risk_backtest, name="risk-backtest"),
    # A supervisor's work: reassignment, transfer, family approval.
    path("cases/reassign/", cases.reassign_cases_view, name="cases-reassign"),
    path("cases/<int:pk>/reassign/", cases.reassign_case_view, name="case-reassign"),
    path("cases/<int:pk>/transfer/", cases.transfer_case_view, name="case-transfer"),
    path("families/approvals/", families.family_approvals, name="family-approvals"),
    path("families/<int:pk>/approval/", families.decide_family_approval, name="family-approval-decide"),
    path("families/<int:pk>/approval/request/", families.request_family_approval, name="family-approval-request"),
    # An administrator's work: the units and the users.
    path("units/", units.unit_tree, name="units"),
    path("users/", accounts.user_list, name="users"),
    path("users/new/", accounts.user_create, name="user-create"),
    path("users/<int:pk>/", accounts.user_detail, name="user"),
    path("users/<int:pk>/<slug:action>/", accounts.user_action, name="user-action"),
]
