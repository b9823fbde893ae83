"""What every mock's settings hold: the seed of its sample data, added latency, its storage."""

from pathlib import Path

from pydantic import BaseModel, Field


class MockConfig(BaseModel):
    """The seed, the latency added to each request (ms) and the state's folder (None: memory)."""

    seed: int = 0
    latency_ms: int = Field(default=0, ge=0)
    data_dir: Path | None = None
