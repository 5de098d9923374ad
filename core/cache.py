"""A local-memory cache of objects, for values only this process reads (DRF's throttle histories)."""

from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


class LocalObjectCache(LocMemCache):
    """Django's local-memory cache keeping each value itself instead of its pickle: ``get`` returns
    the very object ``set`` stored, so a caller that changes it changes the cached value. For values
    of this process alone that are read and written on every request, where pickling is the cost:
    a throttle's history of 9,000 request times (one gunicorn worker's minute in bench/throughput.py)
    was copied three times a request, pickled, loaded and shifted (bench/README.md, issue 20 goal 3).
    Expiry, culling and clearing are LocMemCache's. ``incr`` of a number as LocMemCache's."""

    def add(self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._set(key, value, timeout)
                return True
            return False

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            value = self._cache[key]
            self._cache.move_to_end(key, last=False)
        return value

    def set(self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            self._set(key, value, timeout)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                raise ValueError(f"Key '{key}' not found")
            value = self._cache[key] + delta
            self._cache[key] = value
            self._cache.move_to_end(key, last=False)
        return value
