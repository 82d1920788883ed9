"""Every Python snippet of README.md and docs/*.md runs, and every relative link points at a file.

Snippets are the fenced ```` ```python ```` blocks. Each runs on its own (a reader copies one
block at a time) in a fresh temporary directory:

* a block with ``if __name__ == "__main__":`` (process pools, subprocess vector envs) runs as a
  script in a subprocess, as a user would run it;
* any other block runs in this process with ``exec`` in a fresh namespace.

**Smaller budgets for the test.** An HTML comment on the line just above the fence (invisible
on GitHub) lists textual replacements applied before running::

    <!-- test: learn(100_000) => learn(64) ; n_envs=4 => n_envs=2 -->

Replacements only shrink budgets (steps, epochs, copies); each ``OLD`` must occur in the block,
so a marker that no longer matches fails the test instead of silently testing something else.
``tests/fixtures/plugin_teacher`` is importable, so docs/plugins.md's contract snippet imports
the plugin package it describes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINKED_DOCS = [*DOCS, ROOT / "ARCHITECTURE.md"]
PLUGIN_FIXTURE = ROOT / "tests" / "fixtures" / "plugin_teacher"
MARKER = re.compile(r"^<!--\s*test:(.*)-->\s*$")


@dataclass
class Snippet:
    path: Path
    line: int
    code: str
    replacements: list[tuple[str, str]]

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def _replacements(marker: str) -> list[tuple[str, str]]:
    pairs = []
    for part in marker.split(" ; "):
        old, sep, new = part.partition("=>")
        if not sep:
            raise ValueError(f"snippet marker {marker!r}: expected 'OLD => NEW' pairs separated by ' ; '")
        pairs.append((old.strip(), new.strip()))
    return pairs


def python_snippets(path: Path) -> list[Snippet]:
    lines = path.read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            start = i + 1
            end = next(j for j in range(start, len(lines)) if lines[j].strip() == "```")
            marker = MARKER.match(lines[i - 1].strip()) if i > 0 else None
            code = textwrap.dedent("\n".join(lines[start:end])) + "\n"
            out.append(Snippet(path, start + 1, code, _replacements(marker.group(1)) if marker else []))
            i = end
        i += 1
    return out


SNIPPETS = [s for path in DOCS for s in python_snippets(path)]


def test_there_are_snippets() -> None:
    assert len(SNIPPETS) >= 8, [s.id for s in SNIPPETS]


def _prepared(snippet: Snippet) -> str:
    code = snippet.code
    for old, new in snippet.replacements:
        assert old in code, f"{snippet.id}: test marker replaces {old!r}, which is not in the snippet"
        code = code.replace(old, new)
    return code


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.id)
def test_snippet_runs(snippet: Snippet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = _prepared(snippet)
    if 'if __name__ == "__main__":' in code:
        script = tmp_path / "snippet.py"
        script.write_text(code)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(PLUGIN_FIXTURE), env.get("PYTHONPATH", "")])
        result = subprocess.run(
            [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, f"{snippet.id} failed:\n{result.stderr[-3000:]}"
        return
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(PLUGIN_FIXTURE))
    exec(compile(code, snippet.id, "exec"), {"__name__": "__snippet__"})  # noqa: S102 - the project's own docs


def test_docs_plugin_teacher_is_the_tested_fixture() -> None:
    """docs/plugins.md shows the complete teacher that tests/experiments/test_plugin.py installs."""
    fixture = (PLUGIN_FIXTURE / "acl_plugin_example" / "__init__.py").read_text()
    shown = next(s.code for s in python_snippets(ROOT / "docs" / "plugins.md") if "class BinProgress" in s.code)
    assert _class_source(shown, "BinProgress") == _class_source(fixture, "BinProgress")
    assert not re.search(r"^\s*\.\.\.\s*(#.*)?$", shown, re.MULTILINE), "a method body is left as '...'"


def _class_source(code: str, name: str) -> str:
    lines = code[code.index(f"class {name}") :].splitlines()
    end = next((i for i, line in enumerate(lines[1:], 1) if line and not line[0].isspace()), len(lines))
    return "\n".join(lines[:end]).strip()


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
#: Inline code naming a repository file, such as `benchmarks/stump_tracks.py`.
CODE_PATH = re.compile(r"`((?:\.\./|\./)?[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+\.(?:md|py|yaml|toml))`")


@pytest.mark.parametrize("path", LINKED_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files(path: Path) -> None:
    """Markdown links resolve from the document's folder, file paths in inline code from it or the root, inside the repository."""
    text = path.read_text()

    def in_repo(file: Path) -> bool:
        return file.exists() and file.resolve().is_relative_to(ROOT)

    missing = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        if not in_repo(path.parent / target.split("#", 1)[0]):
            missing.append(target)
    for target in CODE_PATH.findall(text):
        if not (in_repo(path.parent / target) or in_repo(ROOT / target)):
            missing.append(target)
    assert not missing, f"{path.relative_to(ROOT)} names files that do not exist: {missing}"
