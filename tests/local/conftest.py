"""A copy of the benchmark's one-month record set per test, settled, and a ledger URL."""

import shutil
from pathlib import Path

import pytest
from settled_files import settle

from flows.benchmarks.datasets import write_record_set


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The record set of one month, written once per module."""
    folder = tmp_path_factory.mktemp("record_set") / "source"
    write_record_set(folder, months=1)
    return folder


@pytest.fixture
def source(pristine: Path, tmp_path: Path) -> Path:
    """A copy of the record set for one test, dated past the racy window."""
    copy = tmp_path / "source"
    shutil.copytree(pristine, copy)
    settle(copy)
    return copy


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A ledger on a fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'nqsync.db'}"
