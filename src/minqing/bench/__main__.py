import importlib
import pkgutil
import sys

import minqing.bench as pkg


def main():
    areas = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))
    if len(sys.argv) < 2 or sys.argv[1] not in areas:
        sys.exit(f"usage: python -m minqing.bench {{{'|'.join(areas)}}} [options]")
    importlib.import_module(f"minqing.bench.{sys.argv[1]}").main(sys.argv[2:])


if __name__ == "__main__":
    main()
