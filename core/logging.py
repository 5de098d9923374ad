"""One JSON object per log line, so that log collectors can index fields without parsing text."""

import json
import logging
from datetime import UTC, datetime

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Anything passed through `extra=` travels as its own field.
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class RefusalFilter(logging.Filter):
    """A refused request (401, 403) on ``django.request`` as one warning line: who, where, what
    status; no traceback. Django logs a PermissionDenied with its whole traceback, so every page an
    analyst may not open wrote ~30 lines; a refusal is expected, not an error. Other records (a 500's
    traceback) pass unchanged."""

    REFUSED = frozenset({401, 403})

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status not in self.REFUSED:
            return True
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
        path = getattr(request, "path", "")
        record.msg, record.args = "Refused: user %s, %s, status %s", (user_id if user_id is not None else "-", path, status)
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        if record.levelno != logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
