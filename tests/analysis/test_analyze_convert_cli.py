"""`edgecrelu analyze` and `edgecrelu convert` on a tiny train run (inspect-net, 8 px digits, 1 epoch)."""

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")
from click.testing import CliRunner  # noqa: E402

from edgecrelu.cli import cli  # noqa: E402
from tests.cli_helpers import one_line_error  # noqa: E402


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from edgecrelu.train import TrainConfig, train_run

    out = tmp_path_factory.mktemp("run") / "run"
    train_run(TrainConfig(model="inspect-net", variants=("relu", "crelu-half@2"), data="digits", out=str(out),
                          epochs=1, width=0.25, input_size=8, threads=1))
    return out


def test_analyze_writes_pairing_and_prints_the_rule(run_dir, tmp_path):
    res = CliRunner().invoke(cli, ["analyze", str(run_dir), "--out", str(tmp_path / "a"), "--draws", "3"])
    assert res.exit_code == 0, res.output
    assert "Rule: CReLU depth K" in res.output and "stage1.0.conv" in res.output
    data = json.loads((tmp_path / "a" / "pairing.json").read_text())
    assert set(data["summary"]) == {"relu", "crelu-half@2"}
    assert data["recommendation"]["from"] == "relu"
    first = data["summary"]["crelu-half@2"]["layers"][0]
    assert first["act"] == "crelu" and first["shape"][0] == data["summary"]["relu"]["layers"][0]["shape"][0] // 2
    assert (tmp_path / "a" / "filters.svg").is_file()
    # the run records where its analysis went, so `report` on its bundle finds it (issue 27)
    from edgecrelu.schema.base import check
    from edgecrelu.schema.trainrun import TrainRun

    run = json.loads((run_dir / "run.json").read_text())
    assert run["analysis"] == str((tmp_path / "a").resolve())
    check(run, TrainRun, "run.json")


def test_convert_writes_a_run_export_reads(run_dir, tmp_path):
    from edgecrelu.export.checkpoints import read_run, select_checkpoints

    out = tmp_path / "conv"
    res = CliRunner().invoke(cli, ["convert", str(run_dir / "relu" / "seed0"), "--to", "crelu-half@2",
                                   "--finetune-epochs", "1", "--threads", "1", "--out", str(out)])
    assert res.exit_code == 0, res.output
    conv = json.loads((out / "conversion.json").read_text())
    models = [r["model"] for r in conv["accuracies"]]
    assert models == ["relu (original)", "crelu-half@2 converted", "crelu-half@2 first half kept",
                      "crelu-half@2 converted + fine-tune", "crelu-half@2 from scratch"]
    assert conv["accuracies"][-1]["epochs"] == 1  # found in the train run
    assert conv["accuracies"][3]["epochs"] == 2  # relu's 1 + the fine-tune's 1
    assert all(0 <= r["test_acc"] <= 1 for r in conv["accuracies"])
    assert [len(s["kept"]) for s in conv["sites"]] == [4, 4]
    picked = select_checkpoints(out, read_run(out))
    assert [c.variant for c in picked] == ["relu", "crelu-half@2"]
    rec = json.loads((out / "crelu-half@2" / "seed0" / "record.json").read_text())
    assert rec["recipe"]["epochs"] == 1 and rec["conversion"]["variant"] == "crelu-half@2"


def test_bad_input_is_one_line(run_dir, tmp_path):
    one_line_error(CliRunner().invoke(cli, ["analyze", str(tmp_path)]), "neither a train run")
    one_line_error(CliRunner().invoke(cli, ["convert", str(run_dir), "--to", "crelu@2", "--out", str(tmp_path / "x")]),
                   "convert makes crelu-half@K")
    one_line_error(CliRunner().invoke(cli, ["convert", str(run_dir), "--to", "crelu-half@9", "--out",
                                            str(tmp_path / "y")]), "choose a depth from 1 to 8")


@pytest.mark.parametrize("argv, words", [
    (["analyze", "{run}", "--out", "/proc/edgecrelu-x", "--draws", "2"], "cannot write the pairing analysis /proc/edgecrelu-x"),
    (["convert", "{run}/relu/seed0", "--to", "crelu-half@2", "--out", "/proc/edgecrelu-x"], "convert output /proc/edgecrelu-x"),
])
def test_an_unwritable_output_is_one_line(run_dir, argv, words):
    # /proc refuses new entries even to root (CI runs as root, so chmod would not stop a write)
    res = CliRunner().invoke(cli, [a.replace("{run}", str(run_dir)) for a in argv])
    errors = [line for line in res.output.splitlines() if line.startswith("Error:")]
    assert res.exit_code == 1 and "Traceback" not in res.output and len(errors) == 1, res.output
    assert words in errors[0]  # (progress lines may come before it)


def test_a_second_convert_into_a_locked_output_is_refused(run_dir, tmp_path):
    from edgecrelu.fileio import DirLock

    out = tmp_path / "conv"
    with DirLock(tmp_path / ".conv.lock", "test holder"):
        res = CliRunner().invoke(cli, ["convert", str(run_dir / "relu" / "seed0"), "--to", "crelu-half@2",
                                       "--out", str(out)])
    one_line_error(res, "is in use by another edgecrelu process")
    assert not out.exists()
