"""The server-rendered pages, mounted at the site root."""

from django.contrib.auth import views as auth_views
from django.urls import path

from web.views import cases, common, notifications, statistics, units, visits

app_name = "web"

urlpatterns = [
    path("", common.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="web/accounts/login.html",
                                                         redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/", cases.my_cases, name="my-cases"),
    path("cases/<int:pk>/", cases.case_detail, name="case"),
    path("cases/<int:pk>/move/", cases.move_stage, name="case-move"),
    path("cases/<int:pk>/matching/", cases.matching, name="case-matching"),
    path("cases/<int:pk>/acquaintances/", cases.choose_for_acquaintance_view, name="case-acquaintance"),
    path("cases/<int:pk>/visits/<int:visit_pk>/record/", visits.record_visit_view, name="visit-record"),
    path("cases/<int:pk>/placements/<int:placement_pk>/end/", cases.end_placement_view, name="placement-end"),
    path("notifications/", notifications.inbox, name="inbox"),
    path("notifications/<int:pk>/read/", notifications.mark_notification_read, name="notification-read"),
    path("unit/", units.dashboard, name="dashboard"),
    path("unit/cases/<int:pk>/decision/", units.review_decision, name="decision-review"),
    path("statistics/", statistics.statistics, name="statistics"),
]
