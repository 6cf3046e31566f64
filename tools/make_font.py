"""Build the CJK font that ships with minqing, so that every PDF reads on a machine with no system font
(docs/map.md, "Documents that read anywhere").

    python tools/make_font.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]

Takes Noto Sans CJK SC Regular (SIL Open Font License 1.1; Debian's fonts-noto-cjk), keeps the characters
of GB 2312 (6,763 hanzi and its 682 symbols), ASCII and Latin-1, the CJK and full-width punctuation, and
every character that minqing's own templates, Python sources, translation catalogues and shipped data use
(the traditional characters of the zh_Hant catalogue among them), and writes
src/minqing/fonts/MinqingSansSC-Regular.otf under the family name "Minqing Sans SC" (a Modified Version
in the licence's words takes its own name; the licence text ships beside it as OFL.txt). Hinting is
dropped: a PDF is printed or zoomed, not read at 12 px on a screen. Needs fontTools (`pip install fonttools`).
"""

import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "minqing"
OUT = PKG / "fonts" / "MinqingSansSC-Regular.otf"
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FAMILY = "Minqing Sans SC"
FACE = "Noto Sans CJK SC"


def gb2312() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def own_text() -> str:
    """Every character minqing itself may print: templates, sources, catalogues, shipped data."""
    parts = []
    for pattern in ("**/*.html", "**/*.py", "**/*.po", "**/*.csv", "**/*.json", "**/*.txt"):
        for path in PKG.glob(pattern):
            if "fonts" not in path.parts:
                parts.append(path.read_text(encoding="utf-8", errors="ignore"))
    for path in PKG.glob("**/*.json.gz"):
        parts.append(gzip.decompress(path.read_bytes()).decode("utf-8", errors="ignore"))
    return "".join(parts)


def characters() -> str:
    chars = gb2312()
    chars |= {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x100)}
    chars |= {chr(c) for c in range(0x2010, 0x2060)}  # general punctuation: dashes, quotes, ‰, ※
    chars |= {chr(c) for c in range(0x3000, 0x3040)}  # CJK symbols and punctuation
    chars |= {chr(c) for c in range(0xFF01, 0xFF5F)} | {chr(c) for c in range(0xFFE0, 0xFFE7)}  # full-width
    chars |= {"→", "←", "↑", "↓", "√", "×", "÷", "≥", "≤", "≠", "±", "℃", "№", "①", "②", "③", "④", "⑤"}
    chars |= {c for c in own_text() if c.isprintable() and ord(c) < 0x30000}
    return "".join(sorted(chars))


def main(source: str = SOURCE) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    collection = TTCollection(source)
    index = next(i for i, f in enumerate(collection.fonts) if f["name"].getDebugName(1) == FACE)
    font = collection.fonts[index]
    options = subset.Options()
    options.hinting = False
    options.desubroutinize = False
    options.layout_features = ["kern", "ccmp", "liga"]  # no locl, vert, aalt: their variants double the size
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["DSIG"]
    sub = subset.Subsetter(options)
    sub.populate(text=characters())
    sub.subset(font)
    names = font["name"]
    for record in list(names.names):  # the licence asks a Modified Version for a name of its own
        if record.nameID in (1, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 4):
            names.setName(f"{FAMILY} Regular", record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            names.setName("MinqingSansSC-Regular", record.nameID, record.platformID, record.platEncID, record.langID)
    names.removeNames(nameID=17)
    if "CFF " in font:  # the PostScript name inside the CFF table, too
        cff = font["CFF "].cff
        cff.fontNames = ["MinqingSansSC-Regular"]
        top = cff.topDictIndex[0]
        top.FamilyName, top.FullName = FAMILY, f"{FAMILY} Regular"
    OUT.parent.mkdir(exist_ok=True)
    font.save(OUT)
    print(f"{OUT.relative_to(ROOT)}: {len(font.getGlyphOrder())} glyphs, {OUT.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main(*sys.argv[1:])
