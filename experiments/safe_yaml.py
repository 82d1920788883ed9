"""Reading experiment files: YAML that cannot hang, recurse without bound, or hide a key.

``yaml.safe_load`` builds no Python objects, but on its own it accepts inputs that hurt a
command-line tool:

* **alias bombs** ("billion laughs"): nested anchors that expand to billions of nodes hang the
  loader. Here the event stream is read first (PyYAML's parser is iterative) and the size of the
  document *after* alias expansion is counted without expanding it; more than
  :data:`MAX_NODES` nodes is an error;
* **deep nesting**: the composer is recursive, so about 500 levels raise ``RecursionError``;
  more than :data:`MAX_DEPTH` levels is an error, found before composing;
* **bytes that are not UTF-8**: an error names the file and the byte offset;
* **recursive data** (``a: &a [*a]``), which loops any code that walks it: an error;
* **duplicate keys**: YAML 1.1 loaders keep the last one silently; here they are an error that
  names the key path and both lines.

Every error is a :class:`YAMLInputError` (a ``ValueError``) whose message starts with the file.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "YAMLInputError", "load_yaml", "parse_yaml"]

#: Largest experiment file read (bytes).
MAX_BYTES = 1_000_000
#: Deepest nesting of mappings and sequences.
MAX_DEPTH = 64
#: Most nodes in the document once aliases are expanded.
MAX_NODES = 100_000


class YAMLInputError(ValueError):
    """An experiment file that is not acceptable YAML; the message names the file and the place."""


class _StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses duplicate mapping keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:  # the keys written here; merged keys (``<<: *base``) may be overridden
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, f"a mapping key must be a plain value, got {type(key).__name__} {key!r}", key_node.start_mark
            )
        line = key_node.start_mark.line + 1
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key]}, again on line {line}); keep one",
                key_node.start_mark,
            )
        seen[key] = line
    loader.flatten_mapping(node)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_events(text: str, source: str) -> None:
    """Depth and expanded size from the event stream, before anything is composed."""
    depth = 0
    counts: list[int] = [0]  # nodes inside each open collection (and the document at the bottom)
    anchors: list[str | None] = [None]
    sizes: dict[str, int] = {}
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YAMLInputError(
                        f"{source}: line {event.start_mark.line + 1}: nesting deeper than {MAX_DEPTH} levels"
                    )
                counts.append(0)
                anchors.append(event.anchor)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
                size = counts.pop() + 1
                anchor = anchors.pop()
                if anchor is not None:
                    sizes[anchor] = size
                counts[-1] += size
            elif isinstance(event, yaml.ScalarEvent):
                if event.anchor is not None:
                    sizes[event.anchor] = 1
                counts[-1] += 1
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in anchors:
                    raise YAMLInputError(
                        f"{source}: line {event.start_mark.line + 1}: alias *{event.anchor} refers to a collection "
                        "that contains it (recursive data is not allowed)"
                    )
                counts[-1] += sizes.get(event.anchor, 1)
            if counts[-1] > MAX_NODES or sum(counts) > MAX_NODES:
                line = event.start_mark.line + 1 if event.start_mark is not None else "?"
                raise YAMLInputError(
                    f"{source}: line {line}: the document expands to more than {MAX_NODES} values "
                    "(anchors and aliases that multiply, a 'billion laughs' document?)"
                )
    except yaml.YAMLError as e:
        raise YAMLInputError(f"{source}: not valid YAML: {e}") from None


def parse_yaml(text: str, source: str = "<string>") -> Any:
    """Parse one YAML document from ``text`` with the checks of this module."""
    _check_events(text, source)
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        raise YAMLInputError(f"{source}: not valid YAML: {e}") from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise YAMLInputError(f"{source}: nesting too deep to read") from None


def load_yaml(path: str | Path) -> Any:
    """Read and parse the YAML file at ``path`` (UTF-8, at most :data:`MAX_BYTES` bytes)."""
    path = Path(path)
    if path.is_dir():
        raise YAMLInputError(f"{path}: is a directory, not an experiment file (give the path of a .yaml file)")
    if not path.is_file():
        raise YAMLInputError(f"{path}: no such experiment file")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise YAMLInputError(f"{path}: {size} bytes; experiment files are at most {MAX_BYTES} bytes")
        raw = path.read_bytes()
    except OSError as e:
        raise YAMLInputError(f"{path}: cannot read the file ({e.strerror or e})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise YAMLInputError(
            f"{path}: not UTF-8 text (byte {e.start}: {raw[e.start:e.start + 1]!r}); save the file as UTF-8"
        ) from None
    return parse_yaml(text, str(path))
