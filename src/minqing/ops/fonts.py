"""At start (`minqing up`): which of the ledger's text the PDFs' shipped font could not draw (pdf.py)."""

import sys


def warn_fonts() -> None:
    """PDFs draw with the font shipped in the package: say which of the ledger's text would still fall
    back to a system font — unit and category names and the latest titles, besides the templates."""
    from ..ledger.models import Case, Category
    from ..org.models import Unit
    from ..pdf import font_problems

    texts = [*Unit.objects.values_list("name", flat=True), *Category.objects.values_list("name", flat=True),
             *Case.objects.order_by("-id").values_list("title", flat=True)[:2000]]
    for line in font_problems(texts):
        print(f"warning: {line}", file=sys.stderr)
