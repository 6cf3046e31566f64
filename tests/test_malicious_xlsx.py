"""Malicious .xlsx files (issue 15, bad input as a class): each is refused with a Chinese message before
a single row is written, or — millions of empty rows, external links, an empty first sheet — imports its
real rows. The files are built here, part by part, for what openpyxl will not write. The builders are
shared with tests/test_bad_input.py."""

import io
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minqing.errors import Invalid
from minqing.intake.excel import import_ledger
from minqing.ledger.models import Case, CaseEvent, Voice

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def nothing_written() -> bool:
    return Case.objects.count() == 0 and Voice.objects.count() == 0 and CaseEvent.objects.count() == 0


HEAD = ["留言编号", "留言主题", "留言时间", "留言详情"]


def _workbook(rows, name="ledger.xlsx") -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=XLSX)


def _cell(ref: str, value) -> str:
    if isinstance(value, tuple):  # (formula, saved value or None)
        formula, saved = value
        return f'<c r="{ref}" t="str"><f>{formula}</f>' + (f"<v>{saved}</v>" if saved is not None else "") + "</c>"
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'


def _rows_xml(rows, first=1) -> str:
    out = []
    for n, row in enumerate(rows, start=first):
        cells = "".join(_cell(f"{'ABCDEFGH'[i]}{n}", v) for i, v in enumerate(row) if v is not None)
        out.append(f'<row r="{n}">{cells}</row>')
    return "".join(out)


def _xlsx(sheet_data: str = "", *, sheet_xml: bytes | None = None, parts: dict | None = None, rels: str = "",
          prologue: str = "", name: str = "ledger.xlsx") -> SimpleUploadedFile:
    """A workbook written part by part, for what openpyxl will not write: saved formula values, far cells,
    external links, control characters (_x0007_), bombs."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {ns}><sheets><sheet name="台账" sheetId="1" '
                   'r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
                   f'Target="worksheets/sheet1.xml"/>{rels}</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml if sheet_xml is not None else
                   f'<?xml version="1.0"?>{prologue}<worksheet {ns}><sheetData>{sheet_data}</sheetData></worksheet>')
        for member, content in (parts or {}).items():
            z.writestr(member, content)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=XLSX)


def _refused(upload, code: str, words: str):
    with pytest.raises(Invalid) as e:
        import_ledger(upload)
    assert e.value.code == code and e.value.field == "file" and words in e.value.message, e.value.message
    assert nothing_written()


def test_a_zip_bomb_is_refused_before_it_is_inflated(county):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(b'<worksheet><sheetData><row r="1">')
            block = b" " * (1 << 20)
            for _ in range(300):  # 300 MB of nothing, a few hundred KB on disk
                f.write(block)
            f.write(b"</row></sheetData></worksheet>")
    assert len(buf.getvalue()) < 2 << 20
    started = time.monotonic()
    _refused(SimpleUploadedFile("bomb.xlsx", buf.getvalue()), "zip_bomb", "压缩炸弹")
    assert time.monotonic() - started < 5


def test_a_part_that_lies_about_its_size_is_refused(county):
    upload = _xlsx(_rows_xml([HEAD, [1, "路灯不亮", "2019/5/10", "村口路灯坏了一个月。" * 2000]]))
    data = bytearray(upload.read())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    real = info.file_size.to_bytes(4, "little")
    small = (1000).to_bytes(4, "little")
    # the local header and the central directory both claim 1,000 bytes
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        for m in re.finditer(re.escape(sig), bytes(data)):
            if data[m.start() + offset:m.start() + offset + 4] == real:
                data[m.start() + offset:m.start() + offset + 4] = small
    _refused(SimpleUploadedFile("liar.xlsx", bytes(data)), "bad_file", "Excel")


def test_one_value_in_the_farthest_cell_is_refused_before_it_can_crash_the_reader(county):
    # python-calamine would ask for 1,048,576 × 16,384 cells here and abort the whole process
    sheet = _rows_xml([HEAD, [1, "路灯不亮", "2019/5/10", "村口路灯坏了一个月。"]]) + \
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    _refused(_xlsx(sheet), "sheet_too_large", "数据范围过大")


def test_a_sheet_claiming_millions_of_empty_rows_imports_its_real_rows_quickly(county):
    real = _rows_xml([HEAD, [1, "路灯不亮", "2019/5/10", "村口路灯坏了一个月。"],
                      [2, "噪音扰民", "2019/5/11", "工地夜间施工噪音很大。"]])
    empty = "".join(f'<row r="{n}"/>' for n in range(4, 300_000)) + '<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    xml = f'<?xml version="1.0"?><worksheet {ns}><dimension ref="A1:XFD1048576"/><sheetData>{real}{empty}' \
          '</sheetData></worksheet>'
    started = time.monotonic()
    result = import_ledger(_xlsx(sheet_xml=xml.encode()))
    assert (result.imported, result.rejected) == (2, [])
    assert time.monotonic() - started < 30


def test_a_workbook_with_external_links_imports_saved_values_and_never_follows_them(county):
    link = ('<?xml version="1.0"?><externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1"/>'
            '</externalLink>')
    link_rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 'relationships/externalLinkPath" Target="http://evil.example/secret.xlsx" TargetMode="External"/>'
                 '</Relationships>')
    rows = [HEAD, [1, "路灯不亮", "2019/5/10", ("[1]Sheet1!A1", "村口路灯坏了一个月")]]
    upload = _xlsx(_rows_xml(rows), parts={"xl/externalLinks/externalLink1.xml": link,
                                           "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels},
                   rels='<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        'relationships/externalLink" Target="externalLinks/externalLink1.xml"/>')
    result = import_ledger(upload)
    assert result.imported == 1 and Voice.objects.get().text == "村口路灯坏了一个月"
    assert any("外部链接" in note and "不会被访问" in note for note in result.notes)


def test_a_doctype_with_entities_is_refused(county):
    laughs = '<!DOCTYPE worksheet [<!ENTITY a "哈哈哈哈哈哈哈哈"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    _refused(_xlsx(_rows_xml([HEAD, [1, "&b;", "2019/5/10", "村口路灯坏了一个月。"]]), prologue=laughs),
             "bad_file", "DOCTYPE")


def test_an_empty_first_sheet_is_skipped_and_the_sheet_with_data_imported(county):
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    data = wb.create_sheet("台账")
    for row in [HEAD, [1, "路灯不亮", "2019/5/10", "村口路灯坏了一个月。"]]:
        data.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    assert import_ledger(SimpleUploadedFile("two.xlsx", buf.getvalue())).imported == 1


def test_a_first_sheet_that_is_not_a_ledger_is_refused_in_chinese(county):
    wrong = _workbook([["填表说明：本表由各乡镇每月报送。"], ["联系人：张三"]])
    _refused(wrong, "no_text_column", "找不到诉求内容列")


@pytest.mark.parametrize("name, content, words", [
    ("word.xlsx", "word", "没有 Excel 工作簿"),
    ("report.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", "不是有效的 Excel 表格"),
    ("ledger.xlsx", "ledger.csv", "不是有效的 Excel 表格"),
])
def test_a_non_xlsx_file_renamed_xlsx_is_refused_in_chinese(county, name, content, words):
    if content == "word":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("word/document.xml", "<document/>")
            z.writestr("[Content_Types].xml", "<Types/>")
        content = buf.getvalue()
    elif content == "ledger.csv":
        content = "留言编号,留言详情\n1,村口路灯坏了\n".encode()
    _refused(SimpleUploadedFile(name, content), "bad_file", words)
