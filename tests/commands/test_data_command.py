"""`edgecrelu data check SPEC`: the data check train writes, without training (no torch needed)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from edgecrelu.cli import cli
from tests.data.helpers import FACTORY_CORRUPT, FACTORY_IGNORED, write_factory_folder


def test_data_check_prints_the_split_and_every_skipped_file_and_writes_the_check(tmp_path):
    root = write_factory_folder(tmp_path / "crops", per_class=6)
    out = tmp_path / "check.json"
    r = CliRunner().invoke(cli, ["data", "check", f"imagefolder:{root}", "--resize", "letterbox", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "5 classes; split train 20 / val 5 / test 5 (seed 0)" in r.output
    assert "resized to 32×32 (letterbox); image sizes found: 90×70 (15), 128×128 (15)" in r.output
    assert all(p in r.output for p in FACTORY_CORRUPT + FACTORY_IGNORED)
    check = json.loads(out.read_text())
    assert check["kind"] == "edgecrelu-data-check" and check["resize_policy"] == "letterbox"
    assert len(check["files"]) == 30 and len(check["skipped"]) == len(FACTORY_CORRUPT) + len(FACTORY_IGNORED)


def test_data_check_of_a_missing_folder_is_one_line(tmp_path):
    r = CliRunner().invoke(cli, ["data", "check", f"imagefolder:{tmp_path / 'nope'}"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.strip().splitlines() == [f"Error: data source imagefolder: {tmp_path / 'nope'} does not exist"]
