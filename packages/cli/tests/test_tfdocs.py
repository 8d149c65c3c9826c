"""The modules' inputs/outputs tables (terraform-docs' format), generated from their .tf files."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from seawall.tfdocs import (
    BEGIN,
    END,
    DocsError,
    read_module,
    render,
    stale_readmes,
    updated_readme,
    write_readmes,
)

MODULES = Path(__file__).resolve().parents[3] / "terraform" / "modules"

VARIABLES = """
variable "name" {
  description = "Name of the thing (with \\"quotes\\" and a | pipe)."
  type        = string

  validation {
    condition     = length(var.name) < 10 # a comment { with a brace
    error_message = "name = too long."
  }
}

variable "limits" {
  description = "Bounds."
  type = object({
    low  = optional(number, 1)
    high = optional(number, 9)
  })
  default = {}
}
"""
OUTPUTS = """
output "arn" {
  description = "ARN of the thing."
  value       = "arn:${var.name}"
}
"""


def module(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "variables.tf").write_text(VARIABLES)
    (tmp_path / "outputs.tf").write_text(OUTPUTS)
    (tmp_path / "README.md").write_text(f"# thing\n\nProse.\n\n{BEGIN}\n{END}\n\n## Tests\n")
    return tmp_path


def test_inputs_and_outputs_are_read_from_the_blocks(tmp_path: Path) -> None:
    inputs, outputs = read_module(module(tmp_path))
    assert [(i.name, i.default) for i in inputs] == [("limits", "{}"), ("name", None)]
    assert inputs[1].description == 'Name of the thing (with "quotes" and a | pipe).'
    assert inputs[0].type.startswith("object({")
    assert inputs[0].type.endswith("})")
    assert [(o.name, o.description) for o in outputs] == [("arn", "ARN of the thing.")]


def test_the_table_is_terraform_docs_markdown(tmp_path: Path) -> None:
    block = render(module(tmp_path))
    assert block.startswith(BEGIN)
    assert block.endswith(END)
    assert (
        '| <a name="input_name"></a> [name](#input\\_name) | Name of the thing (with "quotes" '
        "and a \\| pipe). | `string` | n/a | yes |"
    ) in block
    assert "| <pre>object({<br/>    low  = optional(number, 1)<br/>" in block
    assert '| <a name="output_arn"></a> [arn](#output\\_arn) | ARN of the thing. |' in block


def test_a_new_output_makes_the_readme_stale_until_it_is_rewritten(tmp_path: Path) -> None:
    root = tmp_path / "modules"
    thing = module(root / "thing")
    write_readmes(root)
    assert stale_readmes(root) == []
    readme = (thing / "README.md").read_text()
    assert readme.startswith("# thing\n\nProse.\n\n")
    assert readme.endswith("\n\n## Tests\n")
    with (thing / "outputs.tf").open("a") as tf:
        tf.write(textwrap.dedent('output "id" {\n  description = "Its id."\n  value = 1\n}\n'))
    assert stale_readmes(root) == [thing / "README.md"]
    write_readmes(root)
    assert "[id](#output\\_id)" in (thing / "README.md").read_text()


def test_a_readme_without_the_markers_is_reported_not_guessed(tmp_path: Path) -> None:
    with pytest.raises(DocsError, match="BEGIN_TF_DOCS"):
        updated_readme("# no markers\n", "x")
    root = tmp_path / "modules"
    thing = module(root / "thing")
    (thing / "README.md").write_text("# thing\n")
    assert stale_readmes(root) == [thing / "README.md"]


def test_every_module_readme_in_the_repository_is_current(tmp_path: Path) -> None:
    assert stale_readmes(MODULES) == []
    # The data-table README once missed `index_names`: a copy without it is caught.
    copy = tmp_path / "modules"
    ignore = shutil.ignore_patterns(".*")
    shutil.copytree(MODULES / "data-table", copy / "data-table", ignore=ignore)
    readme = copy / "data-table" / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    readme.write_text("".join(line for line in lines if "output_index_names" not in line))
    assert stale_readmes(copy) == [readme]


HEREDOCS = """
variable "policy" {
  description = <<-EOT
    The bucket's policy, as JSON.
      Indented further: kept {relative to the margin}.
    A "quote", a # and a | pipe are prose here.
  EOT
  type    = string
  default = <<EOT
{"Version": "2012-10-17"}
EOT
}

variable "plain" {
  description = <<EOT
  Kept as written.
EOT
  type = number
}
"""


def test_heredoc_descriptions_are_read_as_terraform_reads_them(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text(HEREDOCS)
    (tmp_path / "outputs.tf").write_text(
        'output "id" {\n  description = <<-EOT\n    Its id.\n    EOT\n  value = 1\n}\n'
    )
    inputs, outputs = read_module(tmp_path)
    assert [(i.name, i.description) for i in inputs] == [
        ("plain", "  Kept as written."),
        (
            "policy",
            "The bucket's policy, as JSON.\n"
            "  Indented further: kept {relative to the margin}.\n"
            'A "quote", a # and a | pipe are prose here.',
        ),
    ]
    assert [i.type for i in inputs] == ["number", "string"]
    assert inputs[1].default == '<<EOT\n{"Version": "2012-10-17"}\nEOT'
    assert [(o.name, o.description) for o in outputs] == [("id", "Its id.")]


def test_a_heredoc_description_stays_one_table_row(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text(HEREDOCS)
    (tmp_path / "outputs.tf").write_text("")
    rows = [line for line in render(tmp_path).splitlines() if "input_policy" in line]
    assert rows == [
        '| <a name="input_policy"></a> [policy](#input\\_policy) | The bucket\'s policy, as '
        'JSON.<br>  Indented further: kept {relative to the margin}.<br>A "quote", a # and a '
        '\\| pipe are prose here. | `string` | <pre><<EOT<br/>{"Version": "2012-10-17"}<br/>'
        "EOT</pre> | no |"
    ]


def test_an_unclosed_heredoc_is_an_error_naming_the_block(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text(
        'variable "x" {\n  description = <<-EOT\n    never closed\n  type = string\n}\n'
    )
    with pytest.raises(DocsError, match=r"variable 'x'.*<<-EOT is never closed"):
        read_module(tmp_path)
