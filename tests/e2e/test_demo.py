"""``cauce demo``: the README's first command, run as a newcomer runs it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML


def demo(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", "demo", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return result, time.monotonic() - started


def test_the_demo_runs_the_three_flows_and_says_what_moved_where(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result, _ = demo("--dir", str(folder), "--contacts", "400", "--orders", "150", cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for title in ("CRM → ESP", "ESP → CRM", "Shop → ESP"):
        assert title in out
    for sync in ("crm_to_esp", "esp_to_crm", "shop_orders_to_esp", "shop_buyers_to_esp"):
        assert sync in out
    assert "API calls in all: hubspot" in out and "mailchimp" in out and "shopify" in out
    assert "skipped: suppressed" in out
    assert "Orders attributed to a campaign:" in out
    assert "failed" not in out

    config = YAML(typ="safe").load((folder / "cauce.yml").read_text(encoding="utf-8"))
    assert set(config["syncs"]) == {
        "crm_to_esp",
        "esp_to_crm",
        "shop_orders_to_esp",
        "shop_buyers_to_esp",
    }
    assert all("${" not in str(c["config"]) for c in config["connections"].values())
    assert (folder / ".cauce" / "demo.db").is_file()


def test_the_demos_configuration_can_be_inspected_afterwards(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result, _ = demo("--dir", str(folder), "--contacts", "200", "--orders", "60", cwd=tmp_path)
    assert result.returncode == 0, result.stderr

    runs = subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", "sync", "list", "--config", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert runs.returncode == 0, runs.stderr
    assert '"crm_to_esp"' in runs.stdout and "succeeded" in runs.stdout


@pytest.mark.slow
def test_the_demo_at_full_size_finishes_within_a_minute(tmp_path: Path) -> None:
    result, seconds = demo("--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3,000 contacts" in result.stdout
    assert seconds < 60, f"the demo took {seconds:.0f} s"
