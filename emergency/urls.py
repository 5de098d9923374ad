from rest_framework.routers import SimpleRouter

from emergency.api import EmergencyAccessViewSet

router = SimpleRouter()
router.register("emergency-access", EmergencyAccessViewSet, basename="emergency-access")

urlpatterns = router.urls
