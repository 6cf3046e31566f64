"""Intake: a voice from any channel becomes a numbered case at once (SPEC C1).

`submit_voice` validates everything first, then writes the case, its first voice and the
"accept" event in one transaction, so bad input never leaves a half-written case."""

import re
import secrets

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
_PHONE = re.compile(r"^[0-9+\- ]{5,20}$")
_TAGS = re.compile(r"<\s*/?\s*(script|iframe|object|embed|style)\b", re.I)


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


def next_number(year: int) -> str:
    counter, _ = CaseCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"MQ-{year}-{counter.last:06d}"


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


def submit_voice(data: dict, user=None, *, received_at=None, extra: dict | None = None) -> Voice:
    """Create a case from one voice. `user` is the staff member recording it (None for citizens)."""
    staff = user is not None and getattr(user, "is_staff_member", False)
    channel = data.get("channel")
    if not channel:
        if staff:  # staff record calls, visits, letters …: which one is theirs to say, never guessed
            listed = "、".join(f"{label}（{value}）" for value, label in Channel.choices if value != Channel.IMPORT)
            raise Invalid(f"请选择渠道：工作人员登记的诉求必须注明来源渠道（{listed}）", field="channel", code="required")
        channel = Channel.WEB  # a citizen without a token can only be writing online
    if channel not in Channel.values:
        raise Invalid(f"未知渠道“{channel}”，应为 {', '.join(Channel.values)}", field="channel", code="unknown_channel")
    if not staff and channel not in PUBLIC_CHANNELS:
        raise Forbidden("群众只能通过网上渠道提交；走访、来电等由工作人员登记", field="channel")
    text = clean_text(data.get("text"), "诉求内容", "text", required=True)
    if len(text) < 4:
        raise Invalid("诉求内容太短，请至少写4个字说明问题", field="text", code="too_short")
    title = clean_text(data.get("title"), "标题", "title", required=False, limit=200, multiline=False)
    address = clean_text(data.get("address"), "地址", "address", required=False, limit=200, multiline=False)
    unit = Unit.objects.filter(code=str(data.get("unit") or "").strip(), active=True).first()
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

    lexicon.ensure_loaded()
    norm = normalise(text)
    title_norm = normalise(title) if title else ""
    title = title or _title_from(re.sub(r"\s+", " ", text).strip())  # from the original: keep its punctuation
    when = received_at or clock.now()
    category = extra.get("category")
    contact_due, resolve_due = due_dates(category, urgency, when)
    hint = analyse(norm, title_norm, unit, imported=bool(extra.get("import_key")))
    with transaction.atomic():
        case = Case.objects.create(
            number=next_number(timezone.localtime(when).year), channel=channel, title=title, text=text,
            text_norm=norm, search_text=search_tokens(f"{title_norm} {norm}"),
            category=category, category_top=category.top if category else "",
            unit=unit, place_path=unit.path, address=address, lat=lat, lng=lng, urgency=urgency,
            received_at=when, created_at=clock.now(), updated_at=clock.now(), contact_due=contact_due, resolve_due=resolve_due,
            endorsements=extra.get("endorsements", 0), objections=extra.get("objections", 0),
            created_by=user if staff else None, keywords=hint["keywords"], places=hint["places"],
            suggested_category=hint["category"] or "", suggestion_confidence=hint["confidence"],
            suggested_unit=hint["unit"],
        )
        voice = _create_voice(case, channel, title, text, when, mode, name, phone, user if staff else None, extra)
        actor = user if staff else "群众（网上）"
        record(case, "accept", actor, "", data={"channel": channel, "unit": unit.code,
                                                "source": extra.get("source", "")}, at=when)
        if hint["auto"]:
            auto_dispatch(case, hint["unit"], hint["category_obj"], hint["confidence"])
    return voice


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


def _create_voice(case, channel, title, text, when, mode, name, phone, recorder, extra) -> Voice:
    for _ in range(5):
        try:
            with transaction.atomic():
                return Voice.objects.create(
                    case=case, channel=channel, title=title, text=text, received_at=when,
                    tracking_code=new_tracking_code(), submitter_mode=mode, submitter_name=name,
                    submitter_phone=phone, phone_key=phone_key(phone) or None, recorded_by=recorder,
                    submitter_ref=extra.get("submitter_ref", ""), source=extra.get("source", ""),
                    external_id=extra.get("external_id", ""), import_key=extra.get("import_key"),
                    endorsements=extra.get("endorsements", 0), objections=extra.get("objections", 0),
                )
        except IntegrityError:
            if extra.get("import_key") and Voice.objects.filter(import_key=extra["import_key"]).exists():
                raise
    raise RuntimeError("could not allocate a unique tracking code")


def _title_from(text: str) -> str:
    first = re.split(r"[。！？!?\n]", text, maxsplit=1)[0]
    return (first[:30] + "…") if len(first) > 30 else first


def _coordinates(lat, lng):
    if lat in (None, "") and lng in (None, ""):
        return None, None
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise Invalid("坐标应为数字（纬度、经度）", field="lat") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise Invalid("坐标超出范围", field="lat")
    return lat, lng
