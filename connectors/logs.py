"""structlog, configured once: events to the console and to the current run's `run.log`.

Each event is rendered for every sink: the console (text on a terminal, JSON lines otherwise;
`quiet_console` turns it off for a block) and the run logs opened with `run_log` (always JSON
lines, plus the records of stdlib loggers such as Prefect's, with their tracebacks). Inside a
Prefect flow or task run, events are also forwarded in readable Vietnamese to Prefect's run
logger (`forward_to_prefect`), so they show in the run's Logs tab.

`redact_secrets` is a structlog processor that masks the values of sensitive keys (password,
secret, token, authorization, api key, cookie…, in any case, at any depth), every occurrence of a
registered secret in any string (the event, values, formatted tracebacks), and the credentials of
`Bearer`/`Basic` authorization values. Secrets are registered from `Settings.secret_values()` by
`configure_logging` and at run time with `register_secret` (tokens received from the remotes).
"""

import contextlib
import json
import logging
import os
import re
import sys
import threading
import traceback
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote, quote_plus

import structlog
from pydantic import SecretStr
from structlog.typing import EventDict, Processor, WrappedLogger

from models.sensitive import is_sensitive_key
from models.settings import Settings, get_settings

REDACTED = "[REDACTED]"
MIN_SECRET_LENGTH = 4
MAX_RUNTIME_SECRETS = 1024

_SCALARS = (int, float, bool, type(None))
_KEY_WORDS = r"[\w.-]*(?:password|passwd|secret|token|authorization|api[_-]?key|cookie)[\w.-]*"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b((?i:bearer)\s+)[A-Za-z0-9._~+/=-]+"), rf"\1{REDACTED}"),
    (re.compile(r"\b((?i:basic)\s+)(?![a-z]+\b)[A-Za-z0-9+/]{6,}={0,2}"), rf"\1{REDACTED}"),
    (
        re.compile(r"(?i)(\bauthorization\s*:\s*(?:[a-z]+\s+)?+)(?!\[REDACTED\])[^\s,;'\"]+"),
        rf"\1{REDACTED}",
    ),
    (
        re.compile(rf"(?i)([\"']{_KEY_WORDS}[\"']\s*:\s*[\"'])([^\"'\\]*(?:\\.[^\"'\\]*)*)"),
        rf"\1{REDACTED}",
    ),
    (re.compile(rf"(?i)(\b{_KEY_WORDS}=)([^&\s\"',;]+)"), rf"\1{REDACTED}"),
)


def _variants(secret: str) -> set[str]:
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
    }
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


class _SecretRegistry:
    """The secret values to mask, kept as one regular expression; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pinned: set[str] = set()
        self._runtime: OrderedDict[str, None] = OrderedDict()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str, *, pinned: bool) -> None:
        forms = _variants(value)
        if not forms:
            return
        with self._lock:
            for form in forms:
                if pinned:
                    self._pinned.add(form)
                else:
                    self._runtime[form] = None
                    self._runtime.move_to_end(form)
            while len(self._runtime) > MAX_RUNTIME_SECRETS:
                self._runtime.popitem(last=False)
            self._rebuild()

    def clear(self) -> None:
        with self._lock:
            self._pinned.clear()
            self._runtime.clear()
            self._pattern = None

    def _rebuild(self) -> None:
        forms = sorted(self._pinned | set(self._runtime), key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, forms))) if forms else None

    def mask(self, text: str) -> str:
        pattern = self._pattern
        return text if pattern is None else pattern.sub(REDACTED, text)


_registry = _SecretRegistry()


def register_secret(value: str | SecretStr | None) -> None:
    """Mask VALUE wherever it appears in log output from now on (e.g. an access token).

    Values shorter than `MIN_SECRET_LENGTH` characters are ignored: masking them would garble
    every line. The most recent `MAX_RUNTIME_SECRETS` run-time secrets are kept.
    """
    _register(value, pinned=False)


def _register(value: str | SecretStr | None, *, pinned: bool) -> None:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value:
        _registry.add(value, pinned=pinned)


def register_settings_secrets(settings: Settings) -> None:
    """Mask the configured secrets of SETTINGS for the life of the process."""
    for value in settings.secret_values():
        _register(value, pinned=True)


def redact_text(text: str) -> str:
    """TEXT with registered secrets and credential-looking fragments masked."""
    masked = _registry.mask(text)
    for pattern, replacement in _PATTERNS:
        masked = pattern.sub(replacement, masked)
    return masked


def redact(value: Any) -> Any:
    """VALUE with secrets masked: sensitive keys' values at any depth, secrets inside strings.

    Other objects are masked by their `repr` when it holds a secret (that is what a renderer
    would print).
    """
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Mapping):
        return {
            key: REDACTED if isinstance(key, str) and is_sensitive_key(key) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [redact(item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, bytes | bytearray):
        text = value.decode("utf-8", "replace")
        masked = redact_text(text)
        return value if masked == text else masked
    shown = repr(value)
    masked = redact_text(shown)
    return value if masked == shown else masked


def redact_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask secrets in the event dict (run it just before rendering)."""
    for key in list(event_dict):
        if key != "event" and is_sensitive_key(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = redact(event_dict[key])
    return event_dict


class RedactingFilter(logging.Filter):
    """A stdlib logging filter that masks secrets in a record's message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (and formatted exception) without secrets."""
        record.msg = redact_text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def install_stdlib_redaction(loggers: Iterable[logging.Logger] | None = None) -> None:
    """Add `RedactingFilter` to every handler of LOGGERS (default: all configured loggers).

    Call it again after a library (Prefect) installs its own handlers.
    """
    if loggers is None:
        manager = logging.root.manager
        named = [item for item in manager.loggerDict.values() if isinstance(item, logging.Logger)]
        loggers = [logging.root, *named]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())


class _StandardError:
    """Writes to whatever `sys.stderr` is at the time of writing."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def _json_dumps(obj: Any, **kw: Any) -> str:
    kw.setdefault("default", str)
    return json.dumps(obj, ensure_ascii=False, **kw)


_JSON: Processor = structlog.processors.JSONRenderer(serializer=_json_dumps)


class _Sinks:
    """Where rendered events go: the console (unless quietened) and the open run logs."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.console: Any = None
        self.console_renderer: Processor = _JSON
        self.quiet = 0
        self.run_logs: dict[Path, TextIO] = {}

    def write_run_logs(self, line: str) -> None:
        with self.lock:
            for stream in self.run_logs.values():
                stream.write(line + "\n")
                stream.flush()

    def emit(self, **event: Any) -> None:
        with self.lock:
            if self.console is not None and not self.quiet:
                self.console.write(str(self.console_renderer(None, "", dict(event))) + "\n")
                self.console.flush()
            if self.run_logs:
                self.write_run_logs(str(_JSON(None, "", dict(event))))


_sinks = _Sinks()


class _SinkLogger:
    """The logger structlog calls with the processed event: it hands it to every sink."""

    def msg(self, **event: Any) -> None:
        _sinks.emit(**event)

    log = debug = info = warn = warning = error = err = critical = exception = fatal = msg


def _sink_logger(*_args: Any) -> _SinkLogger:
    return _SinkLogger()


_EVENT_TEXT: Mapping[str, str] = {
    "run_started": "Bắt đầu lần chạy",
    "run_done": "Xong lần chạy",
    "run_failed": "Lần chạy dừng vì lỗi",
    "system_done": "Xong một hệ thống",
    "system_failed": "Không đồng bộ được một hệ thống",
    "stage": "Bước",
    "retry": "Thử lại yêu cầu",
    "rate_limited_pause": "Tạm dừng vì hệ thống giới hạn tốc độ",
    "token_refused": "Phiên đăng nhập bị từ chối, đăng nhập lại",
    "relogin": "Đăng nhập lại",
    "unknown_outcome_lookup": "Không rõ lần ghi trước đã thành công chưa: tra lại trên hệ thống",
    "unknown_outcome_settled": "Kết quả tra lại sau lần ghi chưa rõ",
}
"""Readable Vietnamese for nqsync's event names (others are shown by name)."""

_KEY_TEXT: Mapping[str, str] = {
    "run_id": "mã lần chạy",
    "system": "hệ thống",
    "systems": "hệ thống",
    "periods": "kỳ",
    "dry_run": "chạy thử",
    "error": "lỗi",
    "report": "báo cáo",
    "warnings": "cảnh báo",
    "row_errors": "dòng lỗi",
    "attempt": "lần thử",
    "wait": "chờ (giây)",
    "status": "mã HTTP",
    "code": "mã lỗi",
    "found": "tìm thấy",
    "looks": "số lần tra",
    "created": "tạo mới",
    "updated": "cập nhật",
    "in_sync": "khớp",
    "failed": "lỗi",
    "held": "tạm giữ",
    "conflict": "xung đột",
}
_HIDDEN_KEYS = frozenset({"event", "level", "timestamp", "logger", "exception", "stack"})


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value)
    return str(value)


def describe_event(event_dict: Mapping[str, Any]) -> str:
    """A one-line Vietnamese reading of an event: what happened, then its details."""
    name = str(event_dict.get("event", ""))
    details = [
        f"{_KEY_TEXT.get(key, key)}: {_plain(value)}"
        for key, value in event_dict.items()
        if key not in _HIDDEN_KEYS and value is not None
    ]
    text = _EVENT_TEXT.get(name, name)
    return f"{text} ({'; '.join(details)})" if details else text


_FORWARDED = "nqsync_forwarded"


def forward_to_prefect(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: inside a Prefect flow or task run, log the event to its run logger.

    Place it after `redact_secrets`. Outside a run, and when Prefect is not imported at all,
    it does nothing (it never imports Prefect itself).
    """
    if "prefect.context" not in sys.modules:
        return event_dict
    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.logging import get_run_logger

    if FlowRunContext.get() is None and TaskRunContext.get() is None:
        return event_dict
    try:
        run_logger = get_run_logger()
    except Exception:
        return event_dict
    level = logging.getLevelNamesMapping().get(str(event_dict.get("level", "info")).upper(), 20)
    text = describe_event(event_dict)
    if event_dict.get("exception"):
        text += "\n" + str(event_dict["exception"])
    run_logger.log(level, text, extra={_FORWARDED: True})
    return event_dict


def _to_sinks(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    return event_dict


_configured = False
_configure_lock = threading.Lock()


def _renderer(*, as_json: bool, colors: bool) -> Processor:
    if as_json:
        return _JSON
    return structlog.dev.ConsoleRenderer(colors=colors)


def build_processors(*, as_json: bool, colors: bool = False) -> list[Processor]:
    """The processor chain: context, level, UTC timestamp, tracebacks as text, redaction, output."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        redact_secrets,
        forward_to_prefect,
        _renderer(as_json=as_json, colors=colors),
    ]


def configure_logging(
    settings: Settings | None = None,
    *,
    force_json: bool | None = None,
    stream: TextIO | None = None,
) -> None:
    """Configure structlog once for the process; later calls only register SETTINGS' secrets.

    Console lines go to STREAM (default: the current `sys.stderr`), as text when it is a
    terminal (coloured unless `NO_COLOR` is set) and as JSON lines otherwise, unless FORCE_JSON
    says which; run logs always get JSON lines. The level is `NQSYNC_LOG_LEVEL`. Handlers
    already on stdlib loggers get `RedactingFilter`.
    """
    global _configured
    settings = settings or get_settings()
    register_settings_secrets(settings)
    with _configure_lock:
        if _configured:
            return
        output: Any = stream if stream is not None else _StandardError()
        terminal = bool(output.isatty())
        colors = terminal and "NO_COLOR" not in os.environ
        as_json = force_json if force_json is not None else not terminal
        chain = build_processors(as_json=as_json, colors=colors)
        with _sinks.lock:
            _sinks.console = output
            _sinks.console_renderer = chain[-1]
        structlog.configure(
            processors=[*chain[:-1], _to_sinks],
            wrapper_class=structlog.make_filtering_bound_logger(
                logging.getLevelNamesMapping()[settings.log_level]
            ),
            logger_factory=_sink_logger,
            cache_logger_on_first_use=False,
        )
        install_stdlib_redaction()
        _configured = True


@contextlib.contextmanager
def quiet_console() -> Iterator[None]:
    """No log lines on the console for the block (they still reach the run logs)."""
    with _sinks.lock:
        _sinks.quiet += 1
    try:
        yield
    finally:
        with _sinks.lock:
            _sinks.quiet -= 1


class _RunLogHandler(logging.Handler):
    """Stdlib records (Prefect's, libraries') as JSON lines in the open run logs, redacted."""

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, _FORWARDED, False) or not _sinks.run_logs:
            return
        try:
            line: dict[str, Any] = {
                "event": redact_text(record.getMessage()),
                "level": record.levelname.lower(),
                "logger": record.name,
                "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            }
            if record.exc_info:
                text = "".join(traceback.format_exception(*record.exc_info))
                line["exception"] = redact_text(text)
            _sinks.write_run_logs(_json_dumps(line))
        except Exception:
            self.handleError(record)


_run_log_handler = _RunLogHandler(logging.INFO)


@contextlib.contextmanager
def run_log(path: Path) -> Iterator[Path]:
    """Append every event (and stdlib records at INFO and above) to PATH for the block.

    Re-entering for a path already open is a no-op, so the command line and the flow can
    both ask for the same run's log.
    """
    path = path.resolve()
    with _sinks.lock:
        if path in _sinks.run_logs:
            opened = None
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            opened = path.open("a", encoding="utf-8")
            _sinks.run_logs[path] = opened
            if _run_log_handler not in logging.root.handlers:
                logging.root.addHandler(_run_log_handler)
    try:
        yield path
    finally:
        if opened is not None:
            with _sinks.lock:
                del _sinks.run_logs[path]
                opened.close()
                if not _sinks.run_logs:
                    logging.root.removeHandler(_run_log_handler)


def log_exception(message: str, error: BaseException) -> None:
    """Write ERROR's traceback to the run logs only (never to the console), redacted."""
    text = "".join(traceback.format_exception(error))
    line = {
        "event": message,
        "level": "error",
        "timestamp": datetime.now(UTC).isoformat(),
        "exception": redact_text(text),
    }
    _sinks.write_run_logs(_json_dumps(line))


def reset_logging() -> None:
    """Forget the configuration and every registered secret (for tests)."""
    global _configured
    with _configure_lock:
        structlog.reset_defaults()
        _registry.clear()
        with _sinks.lock:
            _sinks.console = None
            _sinks.quiet = 0
        _configured = False

