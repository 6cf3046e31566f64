"""An .xlsx checked as what it is — a zip of XML parts — before any reader opens it.

Three kinds of file hurt the server before a single row is read; each is refused here with a message in
Chinese, before anything is written:

- a zip bomb, a part that inflates to gigabytes. The zip's directory is checked first: the number of parts,
  the size of each part and of the whole once inflated, and how far each part inflates (real sheets 3–10
  times, a bomb a thousand). Then every part is inflated once, as a stream: zipfile stops at the size the
  directory declares and checks the CRC, so a part that lies about its size is refused here rather than
  inflated without limit inside the reader.
- a sheet whose used range is vast. python-calamine reads a sheet into a dense grid of rows × columns, so
  one value in cell XFD1048576 asks for 17 billion cells and *aborts the process*: a 2 KB upload would kill
  a web worker. The position of every cell that holds something is read from the XML with expat (a
  streaming parser; a DOCTYPE, and so any entity trick, is refused) and the range must stay under
  MAX_CELLS. Millions of empty rows cost nothing: an empty row or cell is not part of the range.
- a zip that is not a workbook: a .docx, an .ods, an .xlsb, any archive renamed .xlsx.

Formulas are never evaluated: calamine reads the value the file saved with a formula. A formula with no
saved value (files written by programs rather than by Excel) would read as an empty cell; its formula is
kept here as text ("=A1+B1") and `workbook._numbered_rows` puts it in its row, so that it is imported as
the text it is. External links are never followed and macros never run; the import's notes say so."""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

from ...errors import Invalid

MAX_PARTS = 10_000
MAX_INFLATED = 1 << 30  # the whole file, inflated: 1 GiB (a full 1,048,576-row ledger is a few hundred MB)
MAX_RATIO = 100  # how far one part may inflate, for parts over RATIO_FLOOR
RATIO_FLOOR = 1 << 20
MAX_CELLS = 20_000_000  # rows × columns of one sheet's used range (a million rows of 20 columns)
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # Excel's own limits
MAX_FORMULAS = 200_000  # formulas without a saved value kept as text, per file
CHUNK = 1 << 20
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
# What follows <sheetData> in a worksheet: the last cell is complete there (and the <xm:f> of a data
# validation's extension further on is not its formula). Any other element leaves a cell open, so that a
# value after an unexpected element inside a cell still counts.
_AFTER_DATA = frozenset(("sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
                         "dataConsolidate", "customSheetViews", "mergeCells", "conditionalFormatting",
                         "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
                         "rowBreaks", "colBreaks", "ignoredErrors", "drawing", "legacyDrawing", "tableParts"))


def bad_file(detail: str = "") -> Invalid:
    msg = "文件不是有效的 Excel 表格（.xlsx）"
    return Invalid(msg + (f"：{detail}" if detail else "，可能已损坏或只是改了扩展名；请用 Excel 打开后另存为 .xlsx 再导入"),
                   field="file", code="bad_file")


def _too_big(detail: str) -> Invalid:
    return Invalid(f"{detail}，可能是恶意构造的文件（“压缩炸弹”），已拒绝导入；正常的台账请用 Excel 打开后另存为 .xlsx 再导入",
                   field="file", code="zip_bomb")


@dataclass
class Archive:
    """What the check learnt that the import needs: notes for the office, and per sheet the formulas that
    have no saved value, as text."""

    notes: list[str] = field(default_factory=list)
    parts: dict[str, str] = field(default_factory=dict)  # sheet name -> part name
    formulas: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)  # part -> {(row, col): "=…"}

    def formulas_for(self, sheet_name: str) -> dict[tuple[int, int], str]:
        """{(row, column) counted from 0: "=formula"} of the named sheet."""
        return self.formulas.get(self.parts.get(sheet_name, ""), {})


def check_xlsx(source) -> Archive:
    """Check an .xlsx (a path or a binary file object) as described in the module docstring; Invalid in
    Chinese if it must not be read."""
    try:
        with zipfile.ZipFile(source) as z:
            return _check(z)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError):
        raise bad_file("压缩数据已损坏或使用了不支持的压缩方式；请用 Excel 打开后另存为 .xlsx 再导入") from None


def _check(z: zipfile.ZipFile) -> Archive:
    infos = z.infolist()
    if len(infos) > MAX_PARTS:
        raise _too_big(f"文件由 {len(infos)} 个部分组成，远多于正常表格")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            raise bad_file("这是 .xlsb（二进制工作簿）格式，请在 Excel 中另存为 .xlsx 再导入")
        raise bad_file("压缩包里没有 Excel 工作簿（可能是 Word、WPS 或其他文件改了扩展名），请用 Excel 打开后另存为 .xlsx 再导入")
    total = sum(i.file_size for i in infos)
    if total > MAX_INFLATED:
        raise _too_big(f"文件解压后有 {total // (1 << 20)} MB，超过上限 {MAX_INFLATED // (1 << 20)} MB")
    for i in infos:
        if i.flag_bits & 0x1:
            raise Invalid("表格设有密码保护，请先取消密码再导入", field="file", code="bad_file")
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise _too_big(f"文件中的“{i.filename[:60]}”解压后有 {i.file_size // (1 << 20)} MB，"
                           f"是压缩后的 {i.file_size // max(i.compress_size, 1)} 倍")
    archive = Archive()
    scan = _Scan(archive)
    for i in infos:
        scan.part(z, i)
    archive.parts = scan.sheet_parts(names)
    if any(n.startswith("xl/externalLinks/") for n in names):
        archive.notes.append("表格含有指向其他文件或网址的外部链接：链接不会被访问，只导入表格中保存的值")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        archive.notes.append("表格含有宏（VBA）：宏不会运行，只导入表格中保存的值")
    if scan.formulas_dropped:
        archive.notes.append(f"有 {scan.formulas_dropped} 个公式单元格没有保存计算结果且超出上限，按空白导入")
    return archive


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


class _Scan:
    """expat handlers over every XML part: the range of the cells that hold something, formulas with no
    saved value, and (in the workbook and its relationships) which part is which sheet."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self.sheets: list[tuple[str, str]] = []  # (sheet name, relationship id), in workbook order
        self.targets: dict[str, str] = {}  # relationship id -> target
        self.formulas_kept = self.formulas_dropped = 0

    def part(self, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        with z.open(info) as f:
            chunk = f.read(CHUNK)
            if not chunk.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"<") and not chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                while f.read(CHUNK):  # an image, a printer setting …: inflated once, for its size and CRC
                    pass
                return
            self.name, self.parser = info.filename, self._parser()
            self.row = self.col = -1
            self.lo = [MAX_ROWS, MAX_COLUMNS]
            self.hi = [-1, -1]
            self.cell = None
            try:
                while chunk:
                    self.parser.Parse(chunk, False)
                    chunk = f.read(CHUNK)
                self.parser.Parse(b"", True)
                self.finish()
            except expat.ExpatError as e:
                raise bad_file(f"“{info.filename[:60]}”不是合法的 XML（{expat.ErrorString(e.code)}）") from None
        if self.hi[0] >= 0 and (self.hi[0] - self.lo[0] + 1) * (self.hi[1] - self.lo[1] + 1) > MAX_CELLS:
            raise Invalid(f"表格的数据范围过大（{self.hi[0] - self.lo[0] + 1} 行 × {self.hi[1] - self.lo[1] + 1} 列，"
                          f"最远到第 {self.hi[0] + 1} 行第 {self.hi[1] + 1} 列），可能有远处的单元格写了内容；请在 Excel 中"
                          "删除多余的行和列（Ctrl+End 可找到最后一个单元格）后再导入", field="file", code="sheet_too_large")

    def _parser(self):
        p = expat.ParserCreate()
        p.buffer_text = True
        p.StartElementHandler = self.start  # no end handler: a cell ends where the next cell or row starts
        p.StartDoctypeDeclHandler = p.EntityDeclHandler = self.refuse_dtd
        return p

    def refuse_dtd(self, *args):
        raise bad_file("文件中含有 XML 文档类型声明（DOCTYPE），正常的 Excel 表格不会有，已拒绝导入")

    def start(self, name: str, attrs: dict) -> None:
        local = name if ":" not in name else name.rpartition(":")[2]
        cell = self.cell
        if cell is not None:
            self.parser.CharacterDataHandler = None
            if local in ("v", "f", "is"):
                cell[2] = cell[2] or local != "f"  # a value, even an empty one: calamine may count it
                if local != "is":
                    text = cell[3 if local == "v" else 4] = []
                    self.parser.CharacterDataHandler = text.append
                return
        if local == "c":
            self.finish()
            ref = attrs.get("r")
            if ref is None:  # positions may be left out: the next column of the row
                row, col = self.row, self.col + 1
            else:
                m = _REF.fullmatch(ref)
                if m is None:
                    raise bad_file(f"单元格位置“{ref[:20]}”格式不正确")
                row, col = int(m.group(2)) - 1, _column(m.group(1))
            if not (0 <= row < MAX_ROWS and 0 <= col < MAX_COLUMNS):
                raise bad_file(f"单元格位置超出 Excel 的范围（{MAX_ROWS} 行 × {MAX_COLUMNS} 列）")
            self.row, self.col = row, col
            self.cell = [row, col, False, None, None]  # position, has a value element, its text, formula text
        elif local == "row":
            self.finish()
            r = attrs.get("r")
            self.row, self.col = (int(r) - 1 if r and r.isdigit() else self.row + 1), -1
        elif local == "sheet" and self.name == "xl/workbook.xml":
            rid = next((v for k, v in attrs.items() if k.rpartition(":")[2] == "id" and ":" in k), "")
            self.sheets.append((attrs.get("name", ""), rid))
        elif local == "Relationship" and self.name == "xl/_rels/workbook.xml.rels":
            self.targets[attrs.get("Id", "")] = attrs.get("Target", "")
        elif local in _AFTER_DATA:
            self.finish()  # past the sheet's data: the last cell is complete

    def finish(self) -> None:
        """The cell begun last is complete: count it in the range if it holds something."""
        if self.cell is None:
            return
        row, col, has_value, value, formula = self.cell
        self.cell = None
        text = "".join(formula).strip() if formula else ""
        if not (has_value or text):
            return  # an empty (styled) cell: not part of the range
        self.lo[0], self.lo[1] = min(self.lo[0], row), min(self.lo[1], col)
        self.hi[0], self.hi[1] = max(self.hi[0], row), max(self.hi[1], col)
        if text and not (value and "".join(value).strip()):  # openpyxl writes <v></v> beside a formula
            if self.formulas_kept >= MAX_FORMULAS:
                self.formulas_dropped += 1
                return
            self.archive.formulas.setdefault(self.name, {})[(row, col)] = "=" + text[:8192]
            self.formulas_kept += 1

    def sheet_parts(self, names: set[str]) -> dict[str, str]:
        """Sheet name -> part name, resolved the way calamine resolves a relationship's target."""
        out = {}
        for sheet, rid in self.sheets:
            target = self.targets.get(rid, "")
            if not target:
                continue
            path = target[1:] if target.startswith("/") else target if target.startswith("xl/") else "xl/" + target
            path = posixpath.normpath(path)
            if path in names:
                out[sheet] = path
        return out
