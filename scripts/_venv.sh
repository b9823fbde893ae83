# Sourced by the scripts: make sure .venv/ at the repo root exists and matches pyproject.toml.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
STAMP="$VENV/.nqsync-installed"
WANT="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/nqsync" ] || [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    echo "Setting up $VENV (first run takes a minute or two)..." >&2
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT[dev]" >&2
    echo "Migrating the Prefect database once (for runs through Prefect)..." >&2
    PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1 \
        "$VENV/bin/prefect" server database upgrade -y >/dev/null 2>&1 \
        || echo "warning: 'prefect server database upgrade -y' failed; the first run through Prefect will migrate" >&2
    echo "$WANT" > "$STAMP"
fi
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
