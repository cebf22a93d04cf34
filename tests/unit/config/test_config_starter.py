"""`cauce init` writes a starter file that validates as written, and never clobbers one."""

from __future__ import annotations

from pathlib import Path

import pytest

from cauce.config import load_config
from cauce.config.starter import STARTER, write_starter
from cauce.sdk import default_registry


def test_the_starter_file_validates_with_the_shipped_connectors(tmp_path: Path) -> None:
    path = write_starter(tmp_path / "cauce.yml")

    config = load_config(path, env={}, registry=default_registry)

    assert config.connections["files"].connector == "csv"
    assert config.connections["warehouse"].config["url"] == "sqlite:///./warehouse.db"
    assert config.syncs["contacts_to_warehouse"].key == "email"


def test_the_starter_explains_every_key_it_sets() -> None:
    for key in (
        "store:",
        "url:",
        "connections:",
        "connector:",
        "config:",
        "syncs:",
        "source:",
        "destination:",
        "key:",
        "mode:",
        "schedule:",
        "where:",
        "mapping:",
        "options:",
        "batch_size:",
        "mirror:",
    ):
        assert key in STARTER


def test_an_existing_file_is_not_overwritten_without_force(tmp_path: Path) -> None:
    path = tmp_path / "cauce.yml"
    path.write_text("# mine\n")

    with pytest.raises(FileExistsError):
        write_starter(path)
    assert path.read_text() == "# mine\n"

    write_starter(path, force=True)
    assert path.read_text() == STARTER


def test_a_folder_receives_a_cauce_yml(tmp_path: Path) -> None:
    assert write_starter(tmp_path) == tmp_path / "cauce.yml"
