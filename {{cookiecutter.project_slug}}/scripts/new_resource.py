"""Scaffold a resource through every layer by copying the `items` example under a new name.

    uv run python scripts/new_resource.py orders [--singular order]

Copies model, repository, schemas, commands, HTTP routes, their tests and a migration; then
registers the resource in every module marked as a registry (model imports, routers, providers,
access policy) and formats what it touched. Review the result, then adapt the copied fields.
"""

import argparse
import ast
import re
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "items"
# The layers a resource has a file in (see CLAUDE.md); other transports are added by hand.
LAYERS = ("models", "repositories", "schemas", "commands", "api/http")
# A module where resources are registered carries this line; the scaffolder adds the new
# resource there next to every statement (or literal entry) that names the example.
REGISTRY_MARKER = "# scaffold: registry"
NAME = re.compile(r"^[a-z][a-z0-9_]*[a-z0-9]$")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="plural, snake_case resource name, e.g. orders")
    parser.add_argument("--singular", help="singular name (default: name without its final s)")
    args = parser.parse_args()
    plural: str = args.name
    singular: str = args.singular or (plural[:-1] if plural.endswith("s") else plural)
    if not NAME.match(plural) or not NAME.match(singular) or plural == singular:
        parser.error("name must be a plural snake_case identifier (e.g. orders), not singular")
    package = next(p for p in (ROOT / "src").iterdir() if (p / "__init__.py").is_file())
    rename = Renamer(plural, singular)
    if any(package.rglob(f"{plural}.py")):
        parser.error(f"a resource named {plural!r} exists already")

    touched = copy_example_files(package, rename)
    touched += register(package, rename)
    touched.append(write_migration(rename))
    files = [str(path) for path in touched]
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run([*ruff, "format", "--quiet", *files], check=True)  # noqa: S603
    subprocess.run([*ruff, "check", "--fix", "--quiet", *files], check=False)  # noqa: S603
    subprocess.run([*ruff, "format", "--quiet", *files], check=True)  # noqa: S603
    for path in touched:
        print(f"wrote {path.relative_to(ROOT)}")
    print("next: review the files, then `make migrate` and `make test`")
    return 0


class Renamer:
    """items -> orders, Items -> Orders, item -> order, Item -> Order (and upper case)."""

    def __init__(self, plural: str, singular: str) -> None:
        camel = "".join(part.title() for part in singular.split("_"))
        plural_camel = "".join(part.title() for part in plural.split("_"))
        self.plural = plural
        self.pairs = [
            ("ITEMS", plural.upper()),
            ("Items", plural_camel),
            ("items", plural),
            ("ITEM", singular.upper()),
            ("Item", camel),
            ("item", singular),
        ]
        self._pattern = re.compile("|".join(old for old, _ in self.pairs))
        self._map = dict(self.pairs)

    def __call__(self, text: str) -> str:
        return self._pattern.sub(lambda match: self._map[match[0]], text)


def copy_example_files(package: Path, rename: Renamer) -> list[Path]:
    """The example's file in each layer, and its HTTP tests, get a renamed copy beside them."""
    sources = [package / layer / f"{EXAMPLE}.py" for layer in LAYERS]
    sources += sorted((ROOT / "tests").glob(f"test_{EXAMPLE}*.py"))
    written = []
    for source in sources:
        target = source.with_name(rename(source.name))
        target.write_text(rename(source.read_text(encoding="utf-8")), encoding="utf-8")
        written.append(target)
    return written


def register(package: Path, rename: Renamer) -> list[Path]:
    """In each registry module, add the lines that name the example again for the new one."""
    written = []
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if REGISTRY_MARKER not in text:
            continue
        new = duplicate_mentions(text, rename)
        if new != text:
            path.write_text(new, encoding="utf-8")
            written.append(path)
    return written


def duplicate_mentions(text: str, rename: Renamer) -> str:
    """Copy each top-level statement (or literal entry) that mentions the example, renamed."""
    lines = text.splitlines(keepends=True)
    mention = re.compile(r"\bitems?\b|\bItem|_items?\b|\bitems?_")
    inserts: list[tuple[int, str]] = []  # (line index to insert after, text)
    for node in ast.parse(text).body:
        start, end = node.lineno - 1, node.end_lineno or node.lineno
        segment = "".join(lines[start:end])
        if not mention.search(segment):
            continue
        value = getattr(node, "value", None)
        if isinstance(value, ast.Dict | ast.List | ast.Tuple | ast.Set) and end - start > 1:
            for child in _entries(value):
                first, last = child[0] - 1, child[1]
                entry = "".join(lines[first:last])
                if mention.search(entry):
                    inserts.append((last, rename(entry)))
        elif isinstance(value, ast.List | ast.Tuple | ast.Set):
            literal = ast.get_source_segment(text, value) or ""
            names = [ast.literal_eval(e) for e in value.elts if isinstance(e, ast.Constant)]
            extra = [rename(n) for n in names if isinstance(n, str) and mention.search(n)]
            joined = literal[:-1].rstrip().rstrip(",") + "".join(f', "{n}"' for n in extra)
            lines[start] = lines[start].replace(literal, joined + literal[-1], 1)
        else:
            inserts.append((end, rename(segment)))
    for index, addition in sorted(inserts, reverse=True):
        lines.insert(index, addition)
    return "".join(lines)


def _entries(value: ast.expr) -> list[tuple[int, int]]:
    if isinstance(value, ast.Dict):
        pairs = zip(value.keys, value.values, strict=True)
        return [(k.lineno if k else v.lineno, v.end_lineno or v.lineno) for k, v in pairs]
    elts = getattr(value, "elts", [])
    return [(e.lineno, e.end_lineno or e.lineno) for e in elts]


def write_migration(rename: Renamer) -> Path:
    versions = ROOT / "migrations" / "versions"
    first = next(versions.glob("0001_*.py"))
    revisions = {}
    for path in versions.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r'^revision: str = "([^"]+)"', source, re.MULTILINE)
        down = re.search(r'^down_revision: str \| None = "([^"]+)"', source, re.MULTILINE)
        if revision:
            revisions[revision[1]] = down[1] if down else None
    heads = set(revisions) - set(revisions.values())
    if len(heads) != 1:
        raise SystemExit(f"expected one migration head, found {sorted(heads)}")
    head = heads.pop()
    new_id = uuid.uuid4().hex[:12]
    body = rename(first.read_text(encoding="utf-8"))
    body = re.sub(r'^revision: str = "[^"]+"', f'revision: str = "{new_id}"', body, flags=re.M)
    body = re.sub(
        r"^down_revision: str \| None = None",
        f'down_revision: str | None = "{head}"',
        body,
        flags=re.M,
    )
    body = re.sub(r"^Revision ID: .*$", f"Revision ID: {new_id}", body, flags=re.M)
    body = re.sub(r"^Revises:.*$", f"Revises: {head}", body, flags=re.M)
    target = versions / f"{new_id}_create_{rename.plural}.py"
    target.write_text(body, encoding="utf-8")
    return target


if __name__ == "__main__":
    sys.exit(main())
