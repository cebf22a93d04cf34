"""Which record fields a Jinja template reads, as dotted paths.

``cauce validate`` checks that a mapping reads fields the source has, and the
engine may ask a source for only those fields. Top-level variable names are
not enough for nested records (``{{ properties.firstname }}`` reads
``properties.firstname``), so this walks the template's syntax tree and
follows attribute and constant-subscript chains from each free variable.
"""

from __future__ import annotations

from jinja2 import nodes

__all__ = ["RECORD_NAME", "field_paths"]

RECORD_NAME = "record"
"""The whole record, for fields whose names are not identifiers: ``record['First Name']``."""


def _chain(node: nodes.Node, roots: set[str]) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, nodes.Getattr | nodes.Getitem):
        if isinstance(node, nodes.Getattr):
            key: object = node.attr
        else:
            arg = node.arg
            key = arg.value if isinstance(arg, nodes.Const) else None
        if isinstance(key, str | int) and not isinstance(key, bool):
            parts.append(str(key))
        else:
            parts = []
        node = node.node
    if not isinstance(node, nodes.Name) or node.name not in roots:
        return None
    parts.append(node.name)
    parts.reverse()
    return parts


def field_paths(tree: nodes.Template, roots: set[str]) -> set[str]:
    """Dotted paths read from the free variables ``roots`` (method names are not fields)."""
    chains: list[nodes.Getattr | nodes.Getitem] = [
        *tree.find_all(nodes.Getattr),
        *tree.find_all(nodes.Getitem),
    ]
    inner = {id(chain.node) for chain in chains}
    called = {id(call.node) for call in tree.find_all(nodes.Call)}
    paths: set[str] = set()
    for chain in chains:
        if id(chain) in inner:
            continue
        parts = _chain(chain, roots)
        if parts is None:
            continue
        if id(chain) in called and len(parts) > 1:
            parts = parts[:-1]
        if parts[0] == RECORD_NAME and len(parts) > 1:
            parts = parts[1:]
        paths.add(".".join(parts))
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name in roots and id(name) not in inner:
            paths.add(name.name)
    return paths
