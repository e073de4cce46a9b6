"""--host parsing and ssh's exit-255 messages -> one line (the real client runs in test_flow.py)."""

import pytest

from edgecrelu.errors import EdgeCReLUError
from edgecrelu.remote.ssh import Target, classify


@pytest.mark.parametrize("text, want", [
    ("jetson", Target("jetson")),
    ("nvidia@jetson:2222", Target("jetson", "nvidia", 2222)),
    ("ubuntu@10.0.0.5", Target("10.0.0.5", "ubuntu")),
    ("[fe80::1]:22", Target("fe80::1", None, 22)),
    ("fe80::1", Target("fe80::1")),
])
def test_host_forms(text, want):
    assert Target.parse(text) == want


@pytest.mark.parametrize("text", ["", "@jetson", "jetson:0", "jetson:port", "-oProxyCommand=x"])
def test_bad_hosts_are_one_line(text):
    with pytest.raises(EdgeCReLUError, match="--host"):
        Target.parse(text)


@pytest.mark.parametrize("stderr, kind", [
    ("ssh: connect to host 10.0.0.9 port 22: Connection refused", "unreachable"),
    ("ssh: Could not resolve hostname nope: Name or service not known", "unreachable"),
    ("nvidia@jetson: Permission denied (publickey).", "auth"),
    ("@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n...\nHost key verification failed.",
     "hostkey-changed"),
    ("No ED25519 host key is known for jetson and you have requested strict checking.\n"
     "Host key verification failed.", "hostkey-unknown"),
    ("Connection to jetson closed by remote host.", "lost"),
])
def test_ssh_failures_are_classified(stderr, kind):
    got, line = classify(stderr)
    assert got == kind and "\n" not in line
