from rest_framework.routers import SimpleRouter

from children.api.views import ChildViewSet, HomeViewSet

router = SimpleRouter()
router.register("children", ChildViewSet, basename="child")
router.register("homes", HomeViewSet, basename="home")

urlpatterns = router.urls
