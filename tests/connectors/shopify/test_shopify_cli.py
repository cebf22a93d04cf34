"""The real CLI with a Shopify connection: ``connections test`` and incremental syncs to CSV."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from cauce.cli.main import app
from cauce.sandbox.shopify import SHOPIFY_ACCESS_TOKEN

from .conftest import Emulator, place_order

CONFIG = """
connections:
  shop:
    connector: shopify
    config:
      shop: cauce-sandbox
      access_token: {token}
      base_url: {url}
  files:
    connector: csv
    config: {{directory: ./out}}
syncs:
  orders_csv:
    source: {{connection: shop, stream: orders}}
    destination: {{connection: files, object: orders}}
    key: id
    mapping:
      id: id
      email: email
      total: total
      mc_cid: mc_cid
      utm_campaign: utm_campaign
"""


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def cauce(*args: str, cwd: Path) -> Result:
    """Run the CLI in this process (a subprocess costs seconds of imports), from ``cwd``."""
    previous = Path.cwd()
    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("CAUCE_")}
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args), env=cleared)
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


def write_config(folder: Path, url: str, token: str) -> None:
    (folder / "out").mkdir(exist_ok=True)
    (folder / "cauce.yml").write_text(CONFIG.format(token=token, url=url))


def test_connections_test_says_ok_or_that_the_token_is_invalid_without_showing_it(
    shop: Emulator, tmp_path: Path
) -> None:
    write_config(tmp_path, shop.url, SHOPIFY_ACCESS_TOKEN)
    ok = cauce("connections", "test", "shop", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "can read orders and customers" in " ".join(ok.stdout.split())
    wrong = "shpat_notthetoken999999999999999999"
    write_config(tmp_path, shop.url, wrong)
    bad = cauce("connections", "test", "shop", cwd=tmp_path)
    assert bad.returncode == 1
    assert "access token is invalid" in " ".join((bad.stdout + bad.stderr).split())
    assert wrong not in bad.stdout + bad.stderr


def test_a_second_sync_run_brings_only_the_new_order(shop: Emulator, tmp_path: Path) -> None:
    write_config(tmp_path, shop.url, SHOPIFY_ACCESS_TOKEN)
    first = cauce("sync", "run", "orders_csv", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    held = len(shop.admin.state()["orders"])
    with (tmp_path / "out" / "orders.csv").open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == held
    placed = place_order(
        shop, email="cli@example.com", landing_site="/?utm_campaign=cli&mc_cid=c0ffee"
    )
    second = cauce("sync", "run", "orders_csv", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    summary = " ".join(second.stdout.split())
    assert "created │ 1" in summary
    with (tmp_path / "out" / "orders.csv").open(newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    row = rows[f"gid://shopify/Order/{placed['id']}"]
    assert row["email"] == "cli@example.com"
    assert row["total"] == "49.90"
    assert row["mc_cid"] == "c0ffee"
    assert row["utm_campaign"] == "cli"
