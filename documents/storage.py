"""Where document files live: Django's storage API, so the backend is a setting.

By default files go to local disk under MEDIA_ROOT (the default storage). No URL of the project serves
MEDIA_ROOT: a file leaves the server only through the download endpoint, after the permission check.
To keep documents in any S3-compatible store, add a "documents" entry to ``STORAGES`` (see
docs/documents.md); it is picked up without a migration.
"""

from django.conf import settings
from django.core.files.storage import Storage, default_storage, storages

STORAGE_ALIAS = "documents"


def document_storage() -> Storage:
    # Evaluated once when the model loads; default_storage is lazy and follows MEDIA_ROOT overrides in tests.
    if STORAGE_ALIAS in getattr(settings, "STORAGES", {}):
        return storages[STORAGE_ALIAS]
    return default_storage
