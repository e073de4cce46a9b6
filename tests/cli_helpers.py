"""Assertions shared by the CLI tests (tests/ is on sys.path via tests/conftest.py's rootdir)."""


def one_line_error(result, words):
    """The CLI failed with exit 1 and exactly one ``Error: ...`` line containing ``words``."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert words in lines[0], lines[0]
