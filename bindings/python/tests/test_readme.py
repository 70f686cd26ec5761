"""The Python tours are executed: every ```python block of this binding's
README.md and of the project's README.md runs as its own script, in a
scratch directory."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
PROJECT_README = README.parent.parent.parent / "README.md"


def python_blocks(readme: Path) -> list[str]:
    """The ```python blocks of a README."""
    return re.findall(r"^```python\n(.*?)^```$", readme.read_text(encoding="utf-8"), re.M | re.S)


BLOCKS = [(README, code) for code in python_blocks(README)] + [
    (PROJECT_README, code) for code in python_blocks(PROJECT_README)
]


def test_the_readmes_have_python_tours() -> None:
    assert len(python_blocks(README)) >= 4
    assert len(python_blocks(PROJECT_README)) >= 1


@pytest.mark.parametrize(
    "readme,code", BLOCKS, ids=[f"{r.parent.name}-block{i + 1}" for i, (r, _) in enumerate(BLOCKS)]
)
def test_readme_block_runs(
    readme: Path, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(readme), "exec"), {"__name__": "__readme__"})  # noqa: S102
