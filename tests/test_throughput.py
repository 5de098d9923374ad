"""What issue 20 goal 3 (the case detail's throughput under gunicorn, bench/README.md) changed around
the request: the behaviour stays, nothing is timed here."""

import gc
import runpy

from django.conf import settings


def test_the_master_freezes_what_it_loaded_before_forking_a_worker():
    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        config["pre_fork"](None, None)
        assert gc.get_freeze_count() > 0  # out of the collector's reach in the worker forked next
    finally:
        gc.unfreeze()
