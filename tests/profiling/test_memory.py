import subprocess
import sys

from edgecrelu.profiling import memory


def test_peak_rss_sees_an_allocation_in_a_fresh_process():
    code = ("import numpy as np\nfrom edgecrelu.profiling import memory\n"
            "before = memory.peak_rss_bytes()\na = np.ones(64 << 20, np.uint8)\n"
            "print(before, memory.peak_rss_bytes(), memory.current_rss_bytes())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    before, after, cur = map(int, out)
    assert after - before >= 60 << 20
    assert cur <= after


def test_current_and_peak_are_positive():
    assert memory.peak_rss_bytes() > 0
    cur = memory.current_rss_bytes()
    assert cur is None or 0 < cur <= memory.peak_rss_bytes()
