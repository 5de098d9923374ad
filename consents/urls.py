from rest_framework.routers import SimpleRouter

from consents.api import ConsentViewSet

router = SimpleRouter()
router.register("consents", ConsentViewSet, basename="consent")

urlpatterns = router.urls
