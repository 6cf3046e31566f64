"""Intake: a voice from any channel becomes a numbered case at once (SPEC C1).

`submit_voice` validates everything first, then writes the case, its first voice and the
"accept" event in one transaction, so bad input never leaves a half-written case. The rules themselves
are in `prepare_voice` (a `Draft`: checked and decided, not written) and the shapes of the rows in
`case_attrs`/`voice_attrs`/`accept_data`, so that the bulk import (`intake/bulk.py`) writes what
`submit_voice` would have, many rows at a time; `text_fields` is the text work both share."""

import re
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import clock
from ..errors import Forbidden, Invalid
from ..ledger.actions import MAX_TEXT, auto_dispatch, record
from ..ledger.models import Case, CaseCounter, Channel, SubmitterMode, Urgency, Voice
from ..ledger.sla import due_dates
from ..org import lexicon
from ..org.models import Unit
from ..privacy import phone_key
from ..sanitize import clean
from ..text.normalise import normalise
from ..text.segment import search_tokens

TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PUBLIC_CHANNELS = {Channel.WEB}
SYSTEM_CHANNELS = {Channel.OPEN311}  # written only by another system's client with its key (`system=`)
_PHONE = re.compile(r"^[0-9+\- ]{5,20}$")
_TAGS = re.compile(r"<\s*/?\s*(script|iframe|object|embed|style)\b", re.I)


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


def take_numbers(year: int, count: int) -> list[str]:
    """`count` consecutive case numbers of a year, taken at once under the year's counter lock (held until
    the caller's transaction ends): numbers stay unique and, since a rolled-back transaction gives its
    block back, gap-free."""
    counter, _ = CaseCounter.objects.select_for_update().get_or_create(year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"MQ-{year}-{n:06d}" for n in range(first, counter.last + 1)]


def next_number(year: int) -> str:
    return take_numbers(year, 1)[0]


def clean_text(value, label: str, field: str, *, required: bool, limit: int = MAX_TEXT, multiline: bool = True) -> str:
    """A text field as the ledger keeps it: control and invisible characters removed (`sanitize.clean`, the
    same as at every edge, so that a direct call is as safe as a request), trimmed, length and markup
    checked. `multiline=False` for one-line fields (a title, a name): a line break becomes a space."""
    value = clean("" if value is None else str(value), multiline=multiline).strip()
    if required and not value:
        raise Invalid(f"{label}不能为空", field=field, code="required")
    if len(value) > limit:
        raise Invalid(f"{label}过长：{len(value)}字，最多{limit}字", field=field, code="too_long")
    if _TAGS.search(value):
        raise Invalid(f"{label}中含有不允许的网页代码（如 <script>），请删除后再提交", field=field, code="markup")
    return value


def validate_submitter(sub: dict | None) -> tuple[str, str, str]:
    sub = sub or {}
    if not isinstance(sub, dict):
        raise Invalid("submitter 应为对象", field="submitter")
    mode = sub.get("mode")
    if not mode:
        if clean_text(sub.get("name"), "姓名", "submitter.name", required=False, limit=60, multiline=False) \
                or clean_text(sub.get("phone"), "电话", "submitter.phone", required=False, limit=20, multiline=False):
            # not a silent "anonymous" that would throw the name and phone away: ask
            raise Invalid("留下了姓名或电话，请选择提交方式：named（实名）、protected（保密）或 anonymous（匿名）",
                          field="submitter.mode", code="required")
        mode = SubmitterMode.ANONYMOUS
    if mode not in SubmitterMode.values:
        raise Invalid("提交方式应为 named（实名）、protected（保密）或 anonymous（匿名）", field="submitter.mode")
    if mode == SubmitterMode.ANONYMOUS:
        return mode, "", ""  # nothing about an anonymous submitter is stored
    name = clean_text(sub.get("name"), "姓名", "submitter.name", required=False, limit=60, multiline=False)
    phone = clean_text(sub.get("phone"), "电话", "submitter.phone", required=False, limit=20, multiline=False)
    if phone and not _PHONE.match(phone):
        raise Invalid("电话号码格式不正确", field="submitter.phone")
    if not (name or phone):
        raise Invalid("实名或保密提交需要留下姓名或电话，以便回复您；不愿留下请选择匿名", field="submitter.name")
    return mode, name, phone


@dataclass
class Draft:
    """A voice checked and decided — channel, texts, place, deadlines, submitter — before anything is
    written: what `submit_voice` writes at once and a bulk import (`intake/bulk.py`) writes many at a time.
    `derived` holds the text work (`text_fields`); None when it is left to the worker (an import)."""

    channel: str
    title: str
    title_given: str  # the title as submitted ('' when the system made one from the text)
    text: str
    address: str
    unit: Unit
    urgency: str
    lat: float | None
    lng: float | None
    mode: str
    name: str
    phone: str
    when: object
    category: object
    contact_due: object
    resolve_due: object
    staff: object  # the staff member recording it, or None (a citizen)
    extra: dict
    derived: dict | None


def prepare_voice(data: dict, user=None, *, received_at=None, extra: dict | None = None,
                  units: dict | None = None, defer_text: bool = False, system: str | None = None) -> Draft:
    """Every rule of intake, checked and applied, nothing written: Invalid/Forbidden for bad input.
    `units`: active units by code, where the caller has them already (an import: no query per row).
    `system`: the name of another system's client passing a citizen's voice on with a key of its own (an
    Open311 client, minqing/open311/): it writes on its own channel, and only there."""
    staff = user is not None and getattr(user, "is_staff_member", False)
    channel = data.get("channel")
    if system:
        if staff or channel not in SYSTEM_CHANNELS:
            raise Forbidden("其他系统只能通过其接口渠道提交", field="channel")
    elif channel in SYSTEM_CHANNELS:
        raise Forbidden("Open311 渠道只用于 Open311 接口收到的诉求，请选择实际的来源渠道", field="channel")
    if not channel:
        if staff:  # staff record calls, visits, letters …: which one is theirs to say, never guessed
            listed = "、".join(f"{label}（{value}）" for value, label in Channel.choices
                              if value not in (Channel.IMPORT, *SYSTEM_CHANNELS))
            raise Invalid(f"请选择渠道：工作人员登记的诉求必须注明来源渠道（{listed}）", field="channel", code="required")
        channel = Channel.WEB  # a citizen without a token can only be writing online
    if channel not in Channel.values:
        raise Invalid(f"未知渠道“{channel}”，应为 {', '.join(Channel.values)}", field="channel", code="unknown_channel")
    if not staff and not system and channel not in PUBLIC_CHANNELS:
        raise Forbidden("群众只能通过网上渠道提交；走访、来电等由工作人员登记", field="channel")
    text = clean_text(data.get("text"), "诉求内容", "text", required=True)
    if len(text) < 4:
        raise Invalid("诉求内容太短，请至少写4个字说明问题", field="text", code="too_short")
    title = clean_text(data.get("title"), "标题", "title", required=False, limit=200, multiline=False)
    address = clean_text(data.get("address"), "地址", "address", required=False, limit=200, multiline=False)
    code = str(data.get("unit") or "").strip()
    unit = units.get(code) if units is not None else Unit.objects.filter(code=code, active=True).first()
    if unit is None:
        raise Invalid(f"单位“{data.get('unit') or ''}”不存在，请选择所在的乡镇/村社区", field="unit", code="unknown_unit")
    if unit.level == "department":
        raise Invalid("请选择诉求发生地所在的乡镇/村社区，而不是职能部门", field="unit")
    urgency = data.get("urgency") or Urgency.NORMAL
    if urgency not in Urgency.values:
        raise Invalid("紧急程度应为 normal、urgent 或 critical", field="urgency")
    lat, lng = _coordinates(data.get("lat"), data.get("lng"))
    mode, name, phone = validate_submitter(data.get("submitter"))
    extra = extra or {}
    when = received_at or clock.now()
    category = extra.get("category")
    contact_due, resolve_due = due_dates(category, urgency, when)
    derived = None if defer_text else text_fields(text, title, unit, imported=bool(extra.get("import_key")))
    return Draft(channel, title or title_from(text), title, text, address, unit, urgency, lat, lng, mode, name, phone,
                 when, category, contact_due, resolve_due, user if staff else None, extra, derived)


def submit_voice(data: dict, user=None, *, received_at=None, extra: dict | None = None,
                 system: str | None = None) -> Voice:
    """Create a case from one voice. `user` is the staff member recording it (None for citizens); `system`
    the client of another system passing a citizen's voice on (`prepare_voice`)."""
    draft = prepare_voice(data, user, received_at=received_at, extra=extra, system=system)
    hint = draft.derived
    with transaction.atomic():
        case = case_for(draft, next_number(timezone.localtime(draft.when).year), clock.now())
        case.save(force_insert=True)
        voice = _create_voice(case, draft)
        actor = draft.staff or (f"Open311：{system}"[:80] if system else "群众（网上）")
        record(case, "accept", actor, "", data=accept_data(draft), at=draft.when)
        if hint["auto"]:
            auto_dispatch(case, hint["unit"], hint["category_obj"], hint["confidence"])
    return voice


def case_attrs(d: Draft, number: str, now) -> dict:
    """The new case of a draft, as column values (one shape for `submit_voice` and the bulk import). Left to
    the worker, the text work leaves `text_norm` empty: that is how the worker knows (intake/textwork.py)."""
    hint = d.derived or {}
    category = d.category
    suggested = hint.get("unit")
    return dict(
        number=number, channel=d.channel, title=d.title, text=d.text,
        text_norm=hint.get("text_norm", ""), search_text=hint.get("search_text", ""),
        category_id=category.pk if category else None, category_top=category.top if category else "",
        unit_id=d.unit.pk, place_path=d.unit.path, address=d.address, lat=d.lat, lng=d.lng, urgency=d.urgency,
        received_at=d.when, created_at=now, updated_at=now, contact_due=d.contact_due, resolve_due=d.resolve_due,
        endorsements=d.extra.get("endorsements", 0), objections=d.extra.get("objections", 0),
        created_by_id=d.staff.pk if d.staff else None, keywords=hint.get("keywords", ""), places=hint.get("places", ""),
        suggested_category=hint.get("category") or "", suggestion_confidence=hint.get("confidence"),
        suggested_unit_id=suggested.pk if suggested else None,
    )


def case_for(d: Draft, number: str, now) -> Case:
    case = Case(**case_attrs(d, number, now))
    case.unit = d.unit  # the objects at hand, so that reading them costs no query
    if d.category is not None:
        case.category = d.category
    return case


def voice_attrs(case_id: int, d: Draft, tracking_code: str) -> dict:
    extra = d.extra
    return dict(case_id=case_id, channel=d.channel, title=d.title, text=d.text, received_at=d.when,
                tracking_code=tracking_code, submitter_mode=d.mode, submitter_name=d.name,
                submitter_phone=d.phone, phone_key=phone_key(d.phone) or None,
                recorded_by_id=d.staff.pk if d.staff else None,
                submitter_ref=extra.get("submitter_ref", ""), source=extra.get("source", ""),
                external_id=extra.get("external_id", ""), import_key=extra.get("import_key"),
                endorsements=extra.get("endorsements", 0), objections=extra.get("objections", 0))


def voice_for(case: Case, d: Draft, tracking_code: str) -> Voice:
    voice = Voice(**voice_attrs(case.pk, d, tracking_code))
    voice.case = case
    return voice


def accept_data(d: Draft) -> dict:
    """What the `accept` event says."""
    return {"channel": d.channel, "unit": d.unit.code, "source": d.extra.get("source", "")}


def text_fields(text: str, title: str, place: Unit, imported: bool = False) -> dict:
    """The text work of a case: normalised text, its index form (full-text search), keywords and places, and
    for a new voice the suggestion (`analyse`). `title`: as submitted ('' when none was). The worker calls it
    for imported cases (intake/textwork.py), so both paths derive the same fields."""
    lexicon.ensure_loaded()
    norm = normalise(text)
    title_norm = normalise(title) if title else ""
    hint = analyse(norm, title_norm, place, imported=imported)
    return {"text_norm": norm, "search_text": search_tokens(f"{title_norm} {norm}"), **hint}


def analyse(norm: str, title: str, place: Unit, imported: bool = False) -> dict:
    """Suggestion, keywords and places for a new voice. Imported history gets keywords only: it was
    routed long ago, and classifying thousands of rows would slow the import for nothing."""
    from ..workflow.suggest import describe, suggest

    keywords, places = describe(f"{title} {norm}")
    hint = {"keywords": keywords[:200], "places": places[:200], "category": None, "confidence": None,
            "unit": None, "category_obj": None, "auto": False}
    if imported:
        return hint
    s = suggest(norm, title, place)
    cat = s["_category"]
    hint.update(category=s["category"], confidence=s["confidence"], unit=s["_unit"], category_obj=cat)
    hint["auto"] = bool(cat and cat.auto_dispatch_at is not None and s["_unit"] is not None
                        and s["confidence"] is not None and s["confidence"] >= cat.auto_dispatch_at)
    return hint


def _create_voice(case, d: Draft) -> Voice:
    for _ in range(5):
        try:
            with transaction.atomic():
                voice = voice_for(case, d, new_tracking_code())
                voice.save(force_insert=True)
                return voice
        except IntegrityError:
            if d.extra.get("import_key") and Voice.objects.filter(import_key=d.extra["import_key"]).exists():
                raise
    raise RuntimeError("could not allocate a unique tracking code")


def title_from(text: str) -> str:
    """The title the system gives a voice submitted without one: its first sentence (from the original
    text, punctuation kept), cut at 30 characters."""
    return _title_from(re.sub(r"\s+", " ", text).strip())


def _title_from(text: str) -> str:
    first = re.split(r"[。！？!?\n]", text, maxsplit=1)[0]
    return (first[:30] + "…") if len(first) > 30 else first


def _coordinates(lat, lng):
    """A point in WGS-84 decimal degrees (as a phone's location reports it): both or neither."""
    if lat in (None, "") and lng in (None, ""):
        return None, None
    if lat in (None, "") or lng in (None, ""):
        raise Invalid("坐标需要同时填写纬度（lat）和经度（lng）", field="lat" if lat in (None, "") else "lng",
                      code="required")
    values = []
    for value, field, label, limit in ((lat, "lat", "纬度", 90), (lng, "lng", "经度", 180)):
        try:
            if isinstance(value, bool):
                raise TypeError
            number = float(value.strip()) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise Invalid(f"{label}应为数字（WGS-84 十进制度，如 28.2282）", field=field) from None
        if not -limit <= number <= limit:  # NaN and infinity too
            raise Invalid(f"{label}超出范围：应在 -{limit} 到 {limit} 之间（WGS-84 十进制度）", field=field,
                          code="out_of_range")
        values.append(number)
    return values[0], values[1]
