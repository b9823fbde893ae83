"""structlog, configured once: console lines on a terminal, JSON lines otherwise, secrets redacted.

`redact_secrets` is a structlog processor that masks the values of sensitive keys (password,
secret, token, authorization, api key, cookie…, in any case, at any depth), every occurrence of a
registered secret in any string (the event, values, formatted tracebacks), and the credentials of
`Bearer`/`Basic` authorization values. Secrets are registered from `Settings.secret_values()` by
`configure_logging` and at run time with `register_secret` (tokens received from the remotes).
"""

import json
import logging
import os
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any, TextIO
from urllib.parse import quote, quote_plus

import structlog
from pydantic import SecretStr
from structlog.typing import EventDict, Processor, WrappedLogger

from models.settings import Settings, get_settings

REDACTED = "[REDACTED]"
MIN_SECRET_LENGTH = 4
MAX_RUNTIME_SECRETS = 1024

_SENSITIVE_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "api_key",
    "apikey",
    "cookie",
    "credential",
    "private_key",
)
_SENSITIVE_KEYS = frozenset({"auth", "pwd", "proxy_authorization"})
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


def is_sensitive_key(key: str) -> bool:
    """Whether a key names a secret: password, secret, token, authorization… in any case."""
    name = key.strip().lower().replace("-", "_")
    return name in _SENSITIVE_KEYS or any(part in name for part in _SENSITIVE_KEY_PARTS)


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


_configured = False
_configure_lock = threading.Lock()


def _renderer(*, as_json: bool, colors: bool) -> Processor:
    if as_json:
        return structlog.processors.JSONRenderer(
            serializer=lambda obj, **kw: json.dumps(obj, ensure_ascii=False, **kw),
        )
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
        _renderer(as_json=as_json, colors=colors),
    ]


def configure_logging(
    settings: Settings | None = None,
    *,
    force_json: bool | None = None,
    stream: TextIO | None = None,
) -> None:
    """Configure structlog once for the process; later calls only register SETTINGS' secrets.

    Lines go to STREAM (default: the current `sys.stderr`), as console text when it is a
    terminal (coloured unless `NO_COLOR` is set) and as JSON lines otherwise, unless FORCE_JSON
    says which. The level is
    `NQSYNC_LOG_LEVEL`. Handlers already on stdlib loggers get `RedactingFilter`.
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
        structlog.configure(
            processors=build_processors(as_json=as_json, colors=colors),
            wrapper_class=structlog.make_filtering_bound_logger(
                logging.getLevelNamesMapping()[settings.log_level]
            ),
            logger_factory=structlog.PrintLoggerFactory(file=output),
            cache_logger_on_first_use=False,
        )
        install_stdlib_redaction()
        _configured = True


def reset_logging() -> None:
    """Forget the configuration and every registered secret (for tests)."""
    global _configured
    with _configure_lock:
        structlog.reset_defaults()
        _registry.clear()
        _configured = False


def is_configured() -> bool:
    """Whether `configure_logging` has configured structlog."""
    return _configured
