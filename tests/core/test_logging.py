import base64
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import structlog
from pydantic import SecretStr
from structlog.testing import capture_logs

from connectors.logs import (
    REDACTED,
    RedactingFilter,
    configure_logging,
    describe_event,
    forward_to_prefect,
    install_stdlib_redaction,
    is_sensitive_key,
    log_exception,
    quiet_console,
    redact,
    redact_secrets,
    redact_text,
    register_secret,
    reset_logging,
    run_log,
)
from models.settings import Settings

PASSWORD = 'Tq-Pw!7g2Kx9 q/"z'
CLIENT_SECRET = "nq71-cs-5b8e0d3f"
DB_PASSWORD = "db-pw-6c1f2a"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.runtime-token.q8Zr"


class Credentials:
    """An object whose repr shows a secret, as careless classes do."""

    def __repr__(self) -> str:
        return f"Credentials(password={PASSWORD!r})"


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def fresh_logging() -> Iterator[None]:
    """Each test configures logging from scratch and leaves it unconfigured."""
    reset_logging()
    yield
    reset_logging()


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """Settings with real-looking secrets, read from the environment as in production use."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NQSYNC_THEODOINQ_PASSWORD", PASSWORD)
    monkeypatch.setenv("NQSYNC_NQ71_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("NQSYNC_DATABASE_URL", f"postgresql://nqsync:{DB_PASSWORD}@db/nqsync")
    monkeypatch.setenv("NQSYNC_LOG_LEVEL", "DEBUG")
    return Settings()


def log_secrets_every_way() -> None:
    """Log the configured secrets and a run-time token in all the ways code tends to."""
    log = structlog.get_logger("nqsync.test")
    register_secret(TOKEN)
    basic = base64.b64encode(f"nqsync-client:{CLIENT_SECRET}".encode()).decode()
    log.info("innocent key", detail=PASSWORD)
    log.info(f"logging in with {PASSWORD} and {CLIENT_SECRET}")
    log.info("positional %s", DB_PASSWORD)
    log.info(
        "nested",
        request={"body": {"items": [f"x{CLIENT_SECRET}y", {"deep": [PASSWORD]}]}},
        urlencoded=f"client_secret={quote(CLIENT_SECRET)}&grant_type=client_credentials",
    )
    log.info("headers", headers={"Authorization": f"Bearer {TOKEN}", "x-check-auth": "true"})
    log.info("header line", header=f"Authorization: Basic {basic}")
    log.info("raw token", reply=f'{{"accessToken": "{TOKEN}", "expiresIn": 1800}}')
    log.debug("object", creds=Credentials(), password=PASSWORD, clientSecret=CLIENT_SECRET)
    try:
        raise RuntimeError(f"login refused for {PASSWORD} with token {TOKEN}")
    except RuntimeError:
        log.exception("login failed")
    try:
        raise ValueError(f"bad secret {CLIENT_SECRET}")
    except ValueError:
        log.error("with exc_info", exc_info=True)
    log.info("done")


def assert_no_secret(output: str) -> None:
    assert output.strip(), "nothing was logged"
    encoded_password = quote(PASSWORD, safe="")
    for secret in (PASSWORD, CLIENT_SECRET, DB_PASSWORD, TOKEN, encoded_password):
        assert secret not in output
    assert json.dumps(PASSWORD)[1:-1] not in output


def test_configured_json_pipeline_never_prints_a_secret(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """Secrets logged in every usual way are absent from the real JSON output on stderr."""
    configure_logging(settings, force_json=True)
    log_secrets_every_way()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_no_secret(captured.err)
    lines = [json.loads(line) for line in captured.err.splitlines()]
    events = [line["event"] for line in lines]
    assert events[0] == "innocent key" and events[-1] == "done"
    assert len(lines) == 11
    assert lines[0]["detail"] == REDACTED
    failed = next(line for line in lines if line["event"] == "login failed")
    assert "RuntimeError: login refused for [REDACTED]" in failed["exception"]
    assert "Traceback" in failed["exception"]
    headers = next(line for line in lines if line["event"] == "headers")["headers"]
    assert headers == {"Authorization": REDACTED, "x-check-auth": "true"}
    assert all({"level", "timestamp"} <= line.keys() for line in lines)


def test_configured_console_pipeline_never_prints_a_secret(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The console renderer, tracebacks included, shows no secret either."""
    configure_logging(settings, force_json=False)
    log_secrets_every_way()
    err = capsys.readouterr().err
    assert_no_secret(err)
    assert "Traceback" in err and "ValueError: bad secret [REDACTED]" in err
    assert not err.lstrip().startswith("{")


def test_output_format_follows_the_stream(settings: Settings) -> None:
    """JSON lines when the stream is not a terminal, console text when it is."""
    piped = io.StringIO()
    configure_logging(settings, stream=piped)
    structlog.get_logger().info("hello", n=1)
    assert json.loads(piped.getvalue())["event"] == "hello"

    reset_logging()
    terminal = FakeTerminal()
    configure_logging(settings, stream=terminal)
    structlog.get_logger().info("hello", n=1)
    line = re.sub(r"\x1b\[[0-9;]*m", "", terminal.getvalue())
    assert "\x1b[" in terminal.getvalue()
    assert "hello" in line and "n=1" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_configuring_twice_changes_nothing_but_adds_secrets(settings: Settings) -> None:
    """A second configure_logging keeps the first output and level but registers new secrets."""
    first = io.StringIO()
    configure_logging(settings, stream=first, force_json=True)
    second = io.StringIO()
    other = settings.model_copy(update={"theodoinq_password": SecretStr("another-secret-42")})
    configure_logging(other, stream=second, force_json=False)
    assert structlog.is_configured()
    structlog.get_logger().info("once", value="another-secret-42")
    assert second.getvalue() == ""
    lines = first.getvalue().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["value"] == REDACTED


def test_level_comes_from_settings(settings: Settings) -> None:
    """Events below NQSYNC_LOG_LEVEL are dropped."""
    stream = io.StringIO()
    configure_logging(settings.model_copy(update={"log_level": "WARNING"}), stream=stream)
    log = structlog.get_logger()
    log.info("quiet")
    log.warning("loud")
    assert [json.loads(x)["event"] for x in stream.getvalue().splitlines()] == ["loud"]


def test_processor_masks_sensitive_keys_at_any_depth() -> None:
    """Values under password/secret/token/authorization/api-key keys are masked, in any case."""
    with capture_logs(processors=[redact_secrets]) as logs:
        structlog.get_logger().info(
            "call",
            Password="p",
            client_secret="s",
            accessToken="t",
            headers={"Authorization": "Bearer t", "X-Api-Key": "k", "Accept": "json"},
            rows=[{"refresh_token": "r", "idxValue": "87,5"}],
            count=3,
        )
    entry = logs[0]
    assert entry["Password"] == entry["client_secret"] == entry["accessToken"] == REDACTED
    assert entry["headers"] == {"Authorization": REDACTED, "X-Api-Key": REDACTED, "Accept": "json"}
    assert entry["rows"] == [{"refresh_token": REDACTED, "idxValue": "87,5"}]
    assert entry["count"] == 3 and entry["event"] == "call"


def test_processor_masks_registered_values_inside_strings() -> None:
    """A registered secret is masked inside any string, including the event."""
    register_secret(SecretStr(TOKEN))
    with capture_logs(processors=[redact_secrets]) as logs:
        structlog.get_logger().info(f"got {TOKEN}", note=(f"a{TOKEN}b", 1), raw=TOKEN.encode())
    entry = logs[0]
    assert entry["event"] == f"got {REDACTED}"
    assert entry["note"] == (f"a{REDACTED}b", 1)
    assert TOKEN not in str(entry["raw"])


def test_short_values_are_not_registered() -> None:
    """Registering a tiny value would garble every line, so it is ignored."""
    register_secret("ab")
    register_secret(None)
    register_secret("")
    assert redact_text("a table about cabbages") == "a table about cabbages"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [REDACTED]"),
        ("authorization: Token xyz123", "authorization: Token [REDACTED]"),
        ("Basic bnFzeW5jOnNlY3JldA==", "Basic [REDACTED]"),
        (
            '{"accessToken": "eyJx", "expiresIn": 1800}',
            '{"accessToken": "[REDACTED]", "expiresIn": 1800}',
        ),
        ("{'client_secret': 'abc'}", "{'client_secret': '[REDACTED]'}"),
        (
            "POST /token?client_secret=abc&grant_type=x",
            "POST /token?client_secret=[REDACTED]&grant_type=x",
        ),
    ],
)
def test_credential_fragments_are_masked(text: str, expected: str) -> None:
    """Authorization values and secret-named fields are masked even when never registered."""
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text", ["x-check-auth: true", "basic information", "Tỷ lệ hoàn thành 87,5%", "tokenless"]
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    """Text without credentials is not changed."""
    assert redact_text(text) == text


def test_sensitive_key_names() -> None:
    """Keys naming secrets are recognised; everyday keys are not."""
    for key in ("password", "NQSYNC_NQ71_CLIENT_SECRET", "x-api-key", "Cookie", "auth", "idToken"):
        assert is_sensitive_key(key)
    for key in ("event", "unit_code", "x-check-auth", "author", "ma_dinh_danh"):
        assert not is_sensitive_key(key)


def test_redact_leaves_safe_objects_untouched() -> None:
    """Objects without secrets pass through as themselves; ones whose repr has one are masked."""
    path = Path("reports/x.json")
    assert redact(path) is path
    register_secret(PASSWORD)
    assert PASSWORD not in str(redact(Credentials()))


def test_stdlib_handlers_get_the_redacting_filter(settings: Settings) -> None:
    """Library logs through stdlib handlers are masked too, tracebacks included."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    library = logging.getLogger("nqsync.test.library")
    library.addHandler(handler)
    library.propagate = False
    try:
        configure_logging(settings, stream=io.StringIO())
        assert any(isinstance(f, RedactingFilter) for f in handler.filters)
        install_stdlib_redaction([library])
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
        library.warning("login with %s", PASSWORD)
        try:
            raise RuntimeError(CLIENT_SECRET)
        except RuntimeError:
            library.exception("failed with Authorization: Bearer %s", "abc.def")
    finally:
        library.removeHandler(handler)
    output = stream.getvalue()
    assert "login with [REDACTED]" in output and "RuntimeError: [REDACTED]" in output
    assert PASSWORD not in output and CLIENT_SECRET not in output and "abc.def" not in output


def test_run_log_gets_events_and_library_records_as_json(
    settings: Settings, tmp_path: Path
) -> None:
    """Inside `run_log` events and stdlib records (with tracebacks) land in the file, redacted."""
    console = io.StringIO()
    configure_logging(settings, stream=console, force_json=True)
    path = tmp_path / "run-1" / "run.log"
    library = logging.getLogger("nqsync.test.prefect-like")
    library.setLevel(logging.INFO)
    with run_log(path), run_log(path):
        structlog.get_logger().info("system_done", system="nq71", detail=PASSWORD)
        library.info("Beginning flow run %s", "x")
        try:
            raise RuntimeError(f"boom {CLIENT_SECRET}")
        except RuntimeError as error:
            log_exception("run_failed", error)
    structlog.get_logger().info("after the run")
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert [line["event"] for line in lines] == [
        "system_done", "Beginning flow run x", "run_failed"
    ]
    assert lines[0]["detail"] == REDACTED and lines[1]["logger"] == library.name
    assert "Traceback" in lines[2]["exception"] and "boom [REDACTED]" in lines[2]["exception"]
    assert_no_secret(path.read_text("utf-8"))
    assert "Traceback" not in console.getvalue() and "after the run" in console.getvalue()
    assert not any(type(h).__name__ == "_RunLogHandler" for h in logging.root.handlers)


def test_quiet_console_keeps_events_off_the_console_only(
    settings: Settings, tmp_path: Path
) -> None:
    """`quiet_console` drops console lines for the block; the run log still gets every event."""
    console = io.StringIO()
    configure_logging(settings, stream=console, force_json=True)
    path = tmp_path / "run.log"
    with run_log(path), quiet_console():
        structlog.get_logger().info("hidden")
    structlog.get_logger().info("shown")
    assert [json.loads(x)["event"] for x in console.getvalue().splitlines()] == ["shown"]
    assert [json.loads(x)["event"] for x in path.read_text("utf-8").splitlines()] == ["hidden"]


def test_events_read_as_vietnamese() -> None:
    """Known events and keys read in Vietnamese; unknown ones keep their names."""
    text = describe_event(
        {"event": "system_done", "system": "nq71", "created": 37, "dry_run": False,
         "level": "info", "timestamp": "t"}
    )
    assert text == "Xong một hệ thống (hệ thống: nq71; tạo mới: 37; chạy thử: không)"
    assert describe_event({"event": "retry", "attempt": 2, "wait": 1.5}) == (
        "Thử lại yêu cầu (lần thử: 2; chờ (giây): 1.5)"
    )
    assert describe_event({"event": "something_new"}) == "something_new"


def test_forwarding_outside_a_prefect_run_changes_nothing() -> None:
    """Outside a flow or task run the Prefect processor passes the event through untouched."""
    event = {"event": "run_started", "level": "info"}
    assert forward_to_prefect(None, "info", dict(event)) == event
