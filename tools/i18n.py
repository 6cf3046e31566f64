"""Refresh the UI catalogues. Source strings are simplified Chinese (Chinese first).

    python tools/i18n.py

1. `makemessages` for zh_Hant and en (needs GNU gettext), for the templates and Python (django.po) and for
   the scripts (djangojs.po: their gettext calls, served by /i18n/js/);
2. fills every zh_Hant msgstr from its msgid with OpenCC (s2twp: Taiwan standard with phrases);
3. leaves English msgstr to people (docs/i18n.md), reporting how many are missing;
4. compiles the .mo files that ship in the package.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "minqing"


def run(*args):
    subprocess.run([sys.executable, "-m", "django", *args], cwd=PKG, check=True,
                   env=dict(os.environ, DJANGO_SETTINGS_MODULE="minqing.settings"))


def fill_hant(po: Path) -> int:
    import opencc

    conv = opencc.OpenCC("s2twp")
    text = po.read_text(encoding="utf-8")
    pattern = re.compile(r'(msgid "((?:[^"\\]|\\.)*)"\nmsgstr ")((?:[^"\\]|\\.)*)(")', re.M)
    count = 0

    def repl(m):
        nonlocal count
        if not m.group(2):
            return m.group(0)
        count += 1
        return m.group(1) + conv.convert(m.group(2)) + m.group(4)

    # every msgstr is made from its own msgid: no guess from a neighbour's is left flagged (a flagged one is not compiled)
    text = re.sub(r"^#\| .*\n", "", pattern.sub(repl, text), flags=re.M)
    po.write_text(text.replace("#, fuzzy\n", "").replace("#, fuzzy, ", "#, "), encoding="utf-8")
    return count


def main():
    run("makemessages", "-l", "zh_Hant", "-l", "en", "--no-location", "--no-obsolete", "--no-wrap")
    run("makemessages", "-d", "djangojs", "-l", "zh_Hant", "-l", "en", "--no-location", "--no-obsolete", "--no-wrap",
        "--ignore", "web/static/vendor/*")
    for domain in ("django", "djangojs"):
        print(f"{domain}: zh_Hant filled:", fill_hant(PKG / "locale" / "zh_Hant" / "LC_MESSAGES" / f"{domain}.po"))
        en = (PKG / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po").read_text(encoding="utf-8")
        print(f"{domain}: en strings without translation:", len(re.findall(r'\nmsgstr ""\n(?=\n|\Z)', en)))
        print(f"{domain}: en fuzzy guesses to review (ignored until the '#, fuzzy' line is removed):", en.count("#, fuzzy"))
    run("compilemessages")


if __name__ == "__main__":
    main()
