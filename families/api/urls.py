from rest_framework.routers import SimpleRouter

from families.api.views import FamilyViewSet

router = SimpleRouter()
router.register("families", FamilyViewSet, basename="family")

urlpatterns = router.urls
