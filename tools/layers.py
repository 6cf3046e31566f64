"""The picture of minqing's layers in docs/architecture.md, drawn from the import-linter contract in
pyproject.toml — so the drawing cannot drift from what CI checks (tests/test_architecture.py compares).

    python tools/layers.py            # print the picture
    python tools/layers.py --write    # put it into docs/architecture.md between the layers markers
"""

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- layers:begin -->", "<!-- layers:end -->"


def layers(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The layers of the first `layers` contract, outermost first."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return next(c["layers"] for c in config["contracts"] if c["type"] == "layers")


def row(layer: str) -> str:
    """"a | b" (must not know each other) is drawn a │ b; "a : b" (may) is drawn a · b."""
    sep, joiner = (":", " · ") if ":" in layer else ("|", " │ ")
    return joiner.join(part.strip() for part in layer.split(sep))


def picture(rows: list[str]) -> str:
    cells = [row(r) for r in rows]
    width = max(len(c) for c in cells) + 4
    rule = "─" * width
    out = ["┌" + rule + "┐"]
    for i, cell in enumerate(cells):
        out.append("│  " + cell.ljust(width - 2) + "│")
        out.append(("├" if i < len(cells) - 1 else "└") + rule + ("┤" if i < len(cells) - 1 else "┘"))
    out += ["  outermost at the top: a row imports only from the rows below it;",
            "  a │ between packages of one row: they must not import each other."]
    return "```text\n" + "\n".join(out) + "\n```"


def block() -> str:
    return f"{BEGIN}\n{picture(layers())}\n{END}"


def in_doc(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def main(argv: list[str]) -> int:
    if "--write" in argv:
        text = DOC.read_text(encoding="utf-8")
        DOC.write_text(text.replace(in_doc(text), block()), encoding="utf-8")
        print(f"wrote the layers into {DOC.relative_to(ROOT)}")
    else:
        print(block())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
