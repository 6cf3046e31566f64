"""The house keeps its shape (docs/architecture.md): the layer contracts hold with no exceptions
written in, no module outside migrations grows past what a newcomer reads in one sitting, and the
picture of the layers in the docs is the one the contract draws."""

from pathlib import Path

import pytest

from tools import layers

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "minqing"
MAX_LINES = 420  # "about 400" (ENGINEERING.md); split by what the parts are before crossing it


def test_import_layers_hold_with_no_ignored_imports():
    importlinter = pytest.importorskip("importlinter.api")
    from importlinter.application.use_cases import lint_imports

    contracts = importlinter.read_configuration(str(ROOT / "pyproject.toml"))["contracts_options"]
    assert {c["type"] for c in contracts} >= {"layers", "forbidden"}
    assert not [c["name"] for c in contracts if c.get("ignore_imports")], "write the reason down or move the code"
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)


def test_no_module_outside_migrations_is_longer_than_a_sitting():
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py") if "migrations" not in p.parts
            and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_layers_picture_in_the_docs_is_drawn_from_the_contract():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert layers.in_doc(doc) == layers.block(), "run: python tools/layers.py --write"


def test_every_top_level_package_has_its_place_in_a_layer():
    placed = {part.strip() for row in layers.layers() for part in row.replace(":", "|").split("|")}
    packages = {p.stem for p in SRC.glob("*.py")} | {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    assert packages - placed - {"__init__", "settings"} == set()
