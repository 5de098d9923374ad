"""Django's PostgreSQL backend (ENGINE "core.postgresql", set by config.settings.base.database),
whose per-request health check of a kept connection asks the connection's socket first.

With CONN_HEALTH_CHECKS Django sends ``SELECT 1`` before a kept connection's first statement in each
request, a round trip the case detail paid on every call (bench/README.md, issue 20 goal 3). Here the
round trip is made only when the server has written to or closed the idle connection: PostgreSQL
ending a backend (a restart or shutdown, pg_terminate_backend, idle_session_timeout, a crash: the
backend's process exits and the kernel closes its socket) leaves the client's socket readable, and
between two requests nothing else is sent to it. Then ``SELECT 1`` decides, as Django's check does,
and a dead connection is closed so that the request opens a new one.

What the socket cannot tell (a host or network gone without closing the connection) Django's
``SELECT 1`` could not tell sooner either: it would wait for TCP to give up as the request's own
statement does. Errors during a request are still followed by Django's own ``SELECT 1`` check at its
end (close_if_unusable_or_obsolete), unchanged.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if self.connection is None or not self.health_check_enabled or self.health_check_done or self.pool:
            super().close_if_health_check_failed()
            return
        if self.server_closed_or_wrote() and not self.is_usable():
            self.close()
        self.health_check_done = True

    def server_closed_or_wrote(self) -> bool:
        """Whether the idle connection has something to read (the server's error before closing it,
        its end of file, or anything else) or is already known broken: then it must be checked."""
        if self.connection.closed or self.connection.broken:
            return True
        try:
            poller = select.poll()
            poller.register(self.connection.fileno(), select.POLLIN | select.POLLPRI)
            return bool(poller.poll(0))
        except (OSError, ValueError):
            return True
