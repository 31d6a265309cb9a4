"""Documentation stays true: every setting is in the README, the README's commands exist."""

import re
from pathlib import Path

from cocreate_map import config
from cocreate_map.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    for setting in config.SETTINGS.values():
        assert f"`{setting.env}`" in README, f"{setting.env} is missing from README.md"


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one():
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["scripts/serve", "scripts/test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^scripts/test\b", ci, re.M)


def test_every_cli_command_in_the_readme_exists():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in re.findall(r"^cocreate (\w[\w-]*)", README, re.M):
        assert name in sub.choices, f"README mentions `cocreate {name}`, which does not exist"
