"""Excel ledger (台账) import and export.

Importing reads an .xlsx/.xls file and turns each data row into a case through `submit_voice`, so
imported cases obey the same rules as any other; exporting writes a case queryset to .xlsx through
`case_summary`, the one place masking is applied. One module per part, so that each can be read
(and changed) without the rest:

  archive.py   an .xlsx as a zip, checked before it is read: zip bombs, vast sheets, not a workbook
  workbook.py  the file: opening it, the first sheet with data, numbered rows; bad files refused
  cells.py     one cell as text, a count or a date (`DateParser`); `_Reject` for a bad row
  columns.py   which column is which field: recognised headers and saved `ImportMapping`s
  rows.py      one row checked, cleaned and written (`_Importer`); imported replies
  importer.py  `import_ledger`: who imports, the header row, batches, progress, the result
  export.py    `export_ledger`

The names other code imports are re-exported here; import from `minqing.intake.excel`."""

from .cells import DateParser, _Reject
from .columns import AUTO_HEADERS, FIELDS, save_mapping, validate_columns
from .export import EXPORT_HEADERS, export_ledger
from .importer import SYSTEM_USERNAME, ImportResult, import_ledger, system_user
from .rows import record_imported_reply
from .workbook import EXCEL_SUFFIXES, open_workbook

__all__ = [
    "AUTO_HEADERS", "EXCEL_SUFFIXES", "EXPORT_HEADERS", "FIELDS", "SYSTEM_USERNAME", "DateParser", "ImportResult",
    "_Reject",  # the tests check that a bad date is refused with it
    "export_ledger", "import_ledger", "open_workbook", "record_imported_reply", "save_mapping", "system_user",
    "validate_columns",
]
