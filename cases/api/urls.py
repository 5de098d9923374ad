from rest_framework.routers import SimpleRouter

from cases.api.views import CaseViewSet, PlacementViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("placements", PlacementViewSet, basename="placement")

urlpatterns = router.urls
