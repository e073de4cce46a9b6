"""The board run's identity and options (no ssh needed)."""

from edgecrelu.profiling.plan import ProfileConfig
from edgecrelu.remote.job import profile_argv, run_key


def test_profile_argv_gives_the_options_back_as_the_command_line_takes_them():
    c = ProfileConfig(bundle="b", device="cpu", out="R", variants=("relu", "crelu-half@4"), batches=(1, 8),
                      duration_s=0.5, budget_s=30.0, resume=True)
    argv = profile_argv(c, "jetson-orin-nano")
    assert argv[:2] == ["--device", "jetson-orin-nano"]
    assert argv[argv.index("--variants") + 1] == "relu,crelu-half@4" and argv[argv.index("--batch") + 1] == "1,8"
    assert argv[argv.index("--duration") + 1] == "0.5" and "--resume" not in argv  # the run decides --resume


def test_the_same_command_finds_the_same_run_and_a_larger_budget_continues_it():
    a = profile_argv(ProfileConfig(bundle="b", out="R", budget_s=30.0), "cpu")
    b = profile_argv(ProfileConfig(bundle="b", out="R", budget_s=90.0), "cpu")
    c = profile_argv(ProfileConfig(bundle="b", out="R", budget_s=30.0, seed=1), "cpu")
    assert run_key("m", a, "/x/R") == run_key("m", b, "/x/R")
    assert len({run_key("m", a, "/x/R"), run_key("m", c, "/x/R"), run_key("n", a, "/x/R"),
                run_key("m", a, "/y/R")}) == 4
