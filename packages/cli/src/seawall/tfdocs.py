"""Each Terraform module's inputs and outputs table as terraform-docs writes it, from its .tf files.

terraform-docs (its `markdown table` format) is the model: the table sits in the module's README
between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->`, inputs and outputs sorted by name.
Its binary is not a Python package, so the table is generated here from the `variable` and
`output` blocks of the module's top-level .tf files (what terraform-config-inspect reads).
`seawall validate` fails when a README's table differs from what the code says;
`python -m seawall.tfdocs terraform/modules` (`nox -s docs`) rewrites the tables.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
_BLOCK = re.compile(r'^(variable|output)\s+"([^"]+)"\s*\{', re.M)
_ATTRIBUTE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*", re.M)
_NESTED = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*\{", re.M)
# A heredoc opens with `<<MARKER` or `<<-MARKER` (the indented form) and its own line break; it
# closes at the first line holding only the marker (the indented form allows spaces before it).
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")


class DocsError(ValueError):
    """A module's .tf files or README cannot be read the way the table needs."""


@dataclass(frozen=True)
class Input:
    name: str
    description: str
    type: str
    default: str | None  # the expression as written; None when the input is required


@dataclass(frozen=True)
class Output:
    name: str
    description: str


def _heredoc_end(text: str, opener: re.Match[str]) -> int:
    """The index just past the line that closes the heredoc `opener` opened."""
    closing = re.compile(rf"^[ \t]*{re.escape(opener.group(2))}[ \t]*\r?$", re.M)
    found = closing.search(text, opener.end())
    if found is None:
        raise DocsError(f"heredoc <<{opener.group(1)}{opener.group(2)} is never closed")
    return found.end()


def _block_end(text: str, start: int) -> int:
    """The index just past the `}` closing the brace opened right before `start`."""
    depth, i, quote = 1, start, False
    while i < len(text):
        ch = text[i]
        heredoc = None if quote or ch != "<" else _HEREDOC.match(text, i)
        if heredoc:
            # Its text is prose: braces, quotes and `#` in it are not the code's.
            i = _heredoc_end(text, heredoc)
            continue
        if quote:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "#" or text.startswith("//", i):
            i = text.find("\n", i)
            if i < 0:
                break
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise DocsError("unbalanced braces")


def _attributes(body: str) -> dict[str, str]:
    """The block's own `name = expression` attributes (nested blocks are skipped)."""
    found: dict[str, str] = {}
    i = 0
    while i < len(body):
        nested = _NESTED.match(body, i)
        attribute = _ATTRIBUTE.match(body, i)
        if attribute:
            value_start = attribute.end()
            end = value_start
            heredoc = _HEREDOC.match(body, value_start)
            # The expression runs to the end of its line, or further while brackets are open
            # (or to its heredoc's closing marker).
            while heredoc is None:
                newline = body.find("\n", end)
                newline = len(body) if newline < 0 else newline
                opened = next((k for k in range(end, newline) if body[k] in '{[("'), None)
                if opened is None:
                    end = newline
                    break
                closes = _string_end if body[opened] == '"' else _block_end
                end = closes(body, opened + 1)
            if heredoc:
                end = _heredoc_end(body, heredoc)
            found[attribute.group(1)] = body[value_start:end].strip()
            i = end + 1
        elif nested:
            i = _block_end(body, nested.end())
        else:
            newline = body.find("\n", i)
            i = len(body) if newline < 0 else newline + 1
    return found


def _string_end(text: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i + 1
        i += 1
    raise DocsError("unterminated string")


def _string_value(expression: str) -> str:
    heredoc = _HEREDOC.match(expression)
    if heredoc:
        return _heredoc_value(expression[heredoc.end() :], indented=heredoc.group(1) == "-")
    if expression.startswith('"') and expression.endswith('"'):
        return expression[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return expression


def _heredoc_value(text: str, *, indented: bool) -> str:
    """A heredoc's text without its closing marker line. The indented form (`<<-`) removes the
    leading whitespace that all its non-blank lines share, as Terraform does."""
    lines = text.splitlines()[:-1]
    if indented:
        margin = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
        lines = [line[margin:] for line in lines]
    return "\n".join(lines)


def read_module(module: Path) -> tuple[list[Input], list[Output]]:
    """The module's inputs and outputs, sorted by name (terraform-docs' default order)."""
    inputs: list[Input] = []
    outputs: list[Output] = []
    for path in sorted(module.glob("*.tf")):
        text = path.read_text()
        for match in _BLOCK.finditer(text):
            kind, name = match.groups()
            try:
                body = text[match.end() : _block_end(text, match.end()) - 1]
                attributes = _attributes(body)
            except DocsError as error:
                raise DocsError(f"{path}: {kind} {name!r}: {error}") from error
            description = _string_value(attributes.get("description", ""))
            if kind == "variable":
                kind_text = attributes.get("type", "any")
                inputs.append(Input(name, description, kind_text, attributes.get("default")))
            else:
                outputs.append(Output(name, description))
    return sorted(inputs, key=lambda i: i.name), sorted(outputs, key=lambda o: o.name)


def _code(expression: str) -> str:
    """An expression in a table cell: `inline`, or <pre> with <br/> when it spans lines."""
    cell = expression.replace("|", "\\|")
    if "\n" in cell:
        return "<pre>" + "<br/>".join(cell.splitlines()) + "</pre>"
    return f"`{cell}`"


def _prose(description: str) -> str:
    """A description in a table cell: a heredoc's lines joined by <br> (terraform-docs' way),
    so that a multi-line description stays one row."""
    return "<br>".join(description.strip().splitlines()).replace("|", "\\|")


def _anchor(kind: str, name: str) -> str:
    escaped = name.replace("_", "\\_")
    return f'<a name="{kind}_{name}"></a> [{escaped}](#{kind}\\_{escaped})'


def render(module: Path) -> str:
    """The block terraform-docs would write for `module`, markers included."""
    inputs, outputs = read_module(module)
    lines = [BEGIN, "## Inputs", ""]
    if inputs:
        lines += [
            "| Name | Description | Type | Default | Required |",
            "|------|-------------|------|---------|:--------:|",
        ]
        for i in inputs:
            default = "n/a" if i.default is None else _code(i.default)
            required = "yes" if i.default is None else "no"
            description = _prose(i.description)
            lines.append(
                f"| {_anchor('input', i.name)} | {description} | {_code(i.type)} | {default} "
                f"| {required} |"
            )
    else:
        lines.append("No inputs.")
    lines += ["", "## Outputs", ""]
    if outputs:
        lines += ["| Name | Description |", "|------|-------------|"]
        lines += [f"| {_anchor('output', o.name)} | {_prose(o.description)} |" for o in outputs]
    else:
        lines.append("No outputs.")
    return "\n".join([*lines, END])


def updated_readme(readme: str, block: str) -> str:
    """`readme` with the text between the markers (markers included) replaced by `block`."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise DocsError(f"no {BEGIN} ... {END} section")
    return readme[:start] + block + readme[end + len(END) :]


def modules(modules_dir: Path) -> list[Path]:
    return sorted(p for p in modules_dir.iterdir() if (p / "variables.tf").is_file())


def stale_readmes(modules_dir: Path) -> list[Path]:
    """The module READMEs whose table is not what the module's code says."""
    stale = []
    for module in modules(modules_dir):
        readme = module / "README.md"
        text = readme.read_text() if readme.is_file() else ""
        try:
            if updated_readme(text, render(module)) != text:
                stale.append(readme)
        except DocsError:
            stale.append(readme)
    return stale


def write_readmes(modules_dir: Path) -> list[Path]:
    """Rewrite every stale table; the READMEs changed."""
    changed = []
    for readme in stale_readmes(modules_dir):
        readme.write_text(updated_readme(readme.read_text(), render(readme.parent)))
        changed.append(readme)
    return changed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m seawall.tfdocs MODULES_DIR", file=sys.stderr)
        return 2
    try:
        for readme in write_readmes(Path(args[0])):
            print(f"updated {readme}")
    except DocsError as error:
        print(f"tfdocs: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
