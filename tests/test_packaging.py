"""Packaging stays consistent: environment.yml, pyproject.toml, Makefile and CI agree."""

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_environment_yml_installs_the_package_with_its_test_extra():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert env["name"] == "wildrydes-nb"
    python = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert python == ["python" + project["requires-python"]]
    assert "pip" in env["dependencies"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section == ["-e .[test]"]
    assert "test" in project["optional-dependencies"]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make demo" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_ipywidgets_8_1_9_is_kept_out():
    """8.1.9 renders no widget in VS Code (microsoft/vscode-jupyter#17504): the forms would vanish."""
    from importlib.metadata import version

    from packaging.requirements import Requirement

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    widgets = next(Requirement(d) for d in deps if Requirement(d).name == "ipywidgets")
    assert "8.1.9" not in widgets.specifier and "8.1.8" in widgets.specifier
    assert widgets.specifier.contains(version("ipywidgets"))
