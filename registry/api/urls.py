from django.urls import path

from registry.api.views import RegistryImportView

urlpatterns = [path("registry/import/", RegistryImportView.as_view(), name="registry-import")]
