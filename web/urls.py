"""The server-rendered pages, mounted at the site root."""

from django.contrib.auth import views as auth_views
from django.urls import path

from web.views import analyst, common, supervisor, worker

app_name = "web"

urlpatterns = [
    path("", common.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="web/registration/login.html",
                                                         redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/", worker.my_cases, name="my-cases"),
    path("cases/<int:pk>/", worker.case_detail, name="case"),
    path("cases/<int:pk>/move/", worker.move_stage, name="case-move"),
    path("cases/<int:pk>/matching/", worker.matching, name="case-matching"),
    path("cases/<int:pk>/visits/<int:visit_pk>/record/", worker.record_visit_view, name="visit-record"),
    path("cases/<int:pk>/placements/<int:placement_pk>/end/", worker.end_placement_view, name="placement-end"),
    path("notifications/", worker.inbox, name="inbox"),
    path("notifications/<int:pk>/read/", worker.mark_notification_read, name="notification-read"),
    path("unit/", supervisor.dashboard, name="dashboard"),
    path("unit/cases/<int:pk>/decision/", supervisor.review_decision, name="decision-review"),
    path("statistics/", analyst.statistics, name="statistics"),
]
