"""Top-level URLs: the admin, the REST API under /api/v1/, and its schema and docs."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path

from accounts.api import obtain_token, sign_out, sign_out_everywhere
from config.api_docs import docs_view, schema_view
from core.health import healthz

api_v1 = [
    # Each app contributes its own routes here. The cases' first: the case detail is the API's most
    # asked route (bench/README.md, issue 20 goal 3); no other app's route starts with cases/ or placements/.
    path("", include("cases.api.urls")),
    path("", include("children.api.urls")),
    path("", include("families.api.urls")),
    path("", include("registry.api.urls")),
    path("auth/token/", obtain_token, name="api-token"),
    path("auth/logout/", sign_out, name="api-logout"),
    path("auth/logout-all/", sign_out_everywhere, name="api-logout-all"),
    path("access/", include("access.urls")),
    path("stats/", include("stats.urls")),
    path("", include("documents.urls")),
    path("", include("consents.urls")),
    path("", include("emergency.urls")),
    path("", include("visits.urls")),
    path("", include("notifications.urls")),
    path("risk/", include("risk.urls")),
    path("visit-kit/", include("visitkit.urls")),
]



def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on pages without an icon link (admin, API docs): the site's icon."""
    return HttpResponseRedirect(static("web/favicon.svg"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", schema_view, name="schema"),
    path("api/docs/", docs_view, name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The server-rendered pages (sign-in, cases, dashboard, statistics), last so that they catch the root.
    path("", include("web.urls")),
]

# Refused pages (403/404) in the site's layout and language, not Django's bare text; JSON under /api/.
handler400 = "web.views.common.bad_request"
handler403 = "web.views.common.permission_denied"
handler404 = "web.views.common.page_not_found"
handler500 = "web.views.common.server_error"
