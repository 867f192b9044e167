"""The command line: works, and every command is documented in the README (sqlite-utils habit)."""
import re

import pytest

from bot import cli, paths

README = (paths.ROOT / "README.md").read_text(encoding="utf-8")


def _commands():
    parser_text = cli.__doc__
    return re.findall(r"python -m bot ([a-z]+(?: [a-z]+)?)", parser_text)


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_documented(command):
    assert f"python -m bot {command}" in README


def test_catalog_check_passes(capsys):
    assert cli.main(["catalog", "check"]) == 0
    assert "42 procedures" in capsys.readouterr().out


def test_catalog_show_prints_every_facet(capsys):
    assert cli.main(["catalog", "show", "hdv-quoc-te"]) == 0
    out = capsys.readouterr().out
    assert out.count("--- ") == 8 and "650.000" in out


def test_catalog_show_unknown_id(capsys):
    assert cli.main(["catalog", "show", "khong-co"]) == 1


def test_catalog_find(capsys):
    assert cli.main(["catalog", "find", "lm", "thẻ", "hdv", "nội", "địa"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("found") and "hdv-noi-dia" in out


def test_readme_has_the_two_commands_and_ci_calls_the_test_one():
    assert "```sh\nmake run\n```" in README and "```sh\nmake test\n```" in README
    assert "make test" in (paths.ROOT / ".ci" / "run").read_text()
