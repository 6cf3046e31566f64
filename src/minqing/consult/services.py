"""Consultations: who may do what, and the only writers (create, statements, moderation, votes, decision).

Scope. A staff member sees the consultations of their unit's subtree and of the units above it (a
village cadre carries the county's questions to the households); they manage (moderate, close,
record the decision) only those of their own subtree, and only as dispatcher, leader or admin.
Anyone, without an account, may read a consultation that has opened, take part while it is open,
and see its results — as group sizes and statements, never as participants' codes."""

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from .. import clock
from ..errors import Forbidden, Invalid, NotFound
from ..intake.services import clean_text
from ..ledger.days import parse_moment
from ..org.models import PATH_WIDTH, Level, Role, Unit
from ..org.scope import in_subtree
from ..org.services import unit_to_act_for
from ..privacy import redact_text
from .models import Consultation, Participant, Statement, StatementStatus, Vote, VoteSource

MANAGERS = {Role.DISPATCHER, Role.LEADER, Role.ADMIN}
VOTE_VALUES = {"agree": 1, "disagree": -1, "pass": 0}
VOTE_NAMES = {v: k for k, v in VOTE_VALUES.items()}
MAX_STATEMENT = 140          # short statements, readable on a phone
MAX_VOTES_PER_CALL = 5000
MAX_CODE = 64


def is_staff(user) -> bool:
    return user is not None and (getattr(user, "is_staff_member", False) or getattr(user, "role", None) == Role.ADMIN)


def _ancestor_paths(path: str) -> list[str]:
    return [path[:i] for i in range(PATH_WIDTH, len(path) + 1, PATH_WIDTH)]


def visible_to(user):
    """Consultations a staff member sees: their subtree and the units above them."""
    qs = Consultation.objects.select_related("unit")
    if user.role == Role.ADMIN and user.unit_id is None:
        return qs
    if not getattr(user, "is_staff_member", False):
        return qs.none()
    path = user.unit.path
    return qs.filter(in_subtree("unit_path", path) | Q(unit_path__in=_ancestor_paths(path)))


def public_list():
    return Consultation.objects.select_related("unit").filter(opens_at__lte=clock.now())


def may_manage(user, consultation: Consultation) -> bool:
    if not getattr(user, "is_authenticated", False) or user.role not in MANAGERS:
        return False
    if user.role == Role.ADMIN and user.unit_id is None:
        return True
    return bool(user.unit_id) and consultation.unit_path.startswith(user.unit.path)


def get_public(pk) -> Consultation:
    c = public_list().filter(pk=_pk(pk)).first()
    if c is None:
        raise NotFound("征求意见不存在或尚未开始")
    return c


def get_for_staff(user, pk) -> Consultation:
    c = visible_to(user).filter(pk=_pk(pk)).first()
    if c is None:
        raise NotFound("征求意见不存在或不在您的范围内")
    return c


def get_for_reader(user, pk) -> tuple[Consultation, bool]:
    """A consultation to read, and whether the reader is staff in its scope. Staff in scope see all of it
    (participant codes, statements awaiting moderation); anyone else — an official of another township
    included — sees the public view, as any citizen would, once it has opened."""
    if is_staff(user):
        c = visible_to(user).filter(pk=_pk(pk)).first()
        if c is not None:
            return c, True
    return get_public(pk), False


def _pk(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise NotFound("征求意见不存在") from None


def _when(value, field: str, label: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = parse_moment(value, field, label)
    if moment.tzinfo is None:  # the office's clock, as deadlines are
        moment = timezone.make_aware(moment)
    return moment


@transaction.atomic
def create(user, data: dict) -> Consultation:
    if getattr(user, "role", None) not in MANAGERS:
        raise Forbidden("只有受理派单员、领导或管理员可以发起征求意见")
    unit = unit_to_act_for(user, data.get("unit"), "发起征求意见")
    title = clean_text(data.get("title"), "议题", "title", required=True, limit=100)
    text = clean_text(data.get("text"), "方案说明", "text", required=True)
    now = clock.now()
    opens = _when(data.get("opens_at"), "opens_at", "开始时间") or now
    closes = _when(data.get("closes_at"), "closes_at", "截止时间")
    if closes is not None and closes <= max(opens, now):
        raise Invalid("截止时间应晚于开始时间和现在", field="closes_at")
    c = Consultation.objects.create(unit=unit, unit_path=unit.path, title=title, text=text, opens_at=opens,
                                    closes_at=closes, created_by=user, created_at=now,
                                    attribution=str(data.get("attribution") or "")[:300])
    for line in data.get("statements") or []:
        add_statement(c, line, user=user)
    return c


def _require_open(c: Consultation):
    if not c.is_open(clock.now()):
        raise Invalid("本次征求意见已截止或尚未开始", code="closed")


def add_statement(c: Consultation, text, *, user=None, participant: str = "") -> Statement:
    """Staff statements are approved at once; citizens' wait in the moderation queue. Names and phone
    numbers inside a statement are masked before it is stored (it may be shown on a public page)."""
    staff = is_staff(user)
    if not staff:
        _require_open(c)
    text = clean_text(text, "观点", "text", required=True, limit=MAX_STATEMENT)
    if len(text) < 2:
        raise Invalid("观点太短：请用一句话说明您的看法", field="text")
    text = redact_text(text)
    if c.statements.filter(text=text).exists():
        raise Invalid("已有相同的观点，请直接对它表态", field="text", code="duplicate")
    now = clock.now()
    for _ in range(5):  # two statements at once may race for the same number
        seq = (c.statements.aggregate(m=Max("seq"))["m"] or 0) + 1
        try:
            with transaction.atomic():
                return Statement.objects.create(
                    consultation=c, seq=seq, text=text, author=participant[:MAX_CODE], created_at=now,
                    created_by=user if staff else None,
                    status=StatementStatus.APPROVED if staff else StatementStatus.PENDING,
                    moderated_by=user if staff else None, moderated_at=now if staff else None)
        except IntegrityError:
            continue
    raise Invalid("提交的人太多，请稍后再试", code="busy")


def moderate(user, statement: Statement, approve: bool) -> Statement:
    if not may_manage(user, statement.consultation):
        raise Forbidden("您不能审核这次征求意见的观点")
    statement.status = StatementStatus.APPROVED if approve else StatementStatus.REJECTED
    statement.moderated_by, statement.moderated_at = user, clock.now()
    statement.save(update_fields=["status", "moderated_by", "moderated_at"])
    return statement


def record_decision(user, c: Consultation, decision: str, close: bool = False, cases: list[str] = ()) -> Consultation:
    """What the unit decided after hearing the people, the cases it concerns, and (optionally) closing."""
    from ..ledger.permissions import cases_visible_to

    if not may_manage(user, c):
        raise Forbidden("您不能修改这次征求意见")
    c.decision = clean_text(decision, "决定与采纳情况", "decision", required=False)
    if close and c.is_open(clock.now()):
        c.closes_at = clock.now()
    numbers = [n.strip() for n in cases if n and n.strip()]
    found = list(cases_visible_to(user).filter(number__in=numbers))
    missing = sorted(set(numbers) - {x.number for x in found})
    if missing:
        raise Invalid(f"工单不存在或不在您的范围内：{'、'.join(missing)}", field="cases")
    with transaction.atomic():
        c.save(update_fields=["decision", "closes_at"])
        c.cases.add(*found)
    return c


def new_device_code() -> str:
    return "d-" + secrets.token_urlsafe(9)


def _clean_code(value, i: int) -> str:
    code = str(value if value is not None else "").strip()
    if not code or len(code) > MAX_CODE:
        raise Invalid(f"第{i + 1}条表态：参与者代号应为 1 到 {MAX_CODE} 个字符", field=f"votes.{i}.participant")
    return code


def cast_votes(c: Consultation, votes: list, *, user=None, device: str = "") -> int:
    """Record votes; all or nothing. Staff (a cadre entering paper sheets, or a program) give each vote's
    participant; a citizen votes only as their own device code and only on approved statements."""
    staff = is_staff(user)
    if not staff:
        _require_open(c)
        if not device:
            raise Invalid("缺少参与者代号", field="participant")
    if not isinstance(votes, list) or not votes:
        raise Invalid("votes 应为非空列表", field="votes")
    if len(votes) > MAX_VOTES_PER_CALL:
        raise Invalid(f"一次最多提交{MAX_VOTES_PER_CALL}条表态，请分批提交", field="votes")
    approved = dict(c.statements.filter(status=StatementStatus.APPROVED).values_list("id", "id"))
    clean: dict[tuple[str, int], int] = {}
    for i, v in enumerate(votes):
        if not isinstance(v, dict):
            raise Invalid(f"第{i + 1}条表态应为对象", field=f"votes.{i}")
        code = _clean_code(v.get("participant"), i) if staff else device
        try:
            sid = int(v.get("statement"))
        except (TypeError, ValueError):
            sid = None
        if sid not in approved:
            raise Invalid(f"第{i + 1}条表态：观点 {v.get('statement')} 不在本次征求意见中或尚未通过审核",
                          field=f"votes.{i}.statement")
        name = str(v.get("vote") or "").strip().lower()
        if name not in VOTE_VALUES:
            raise Invalid(f"第{i + 1}条表态：vote 应为 agree（同意）、disagree（反对）或 pass（不确定）",
                          field=f"votes.{i}.vote")
        clean[(code, sid)] = VOTE_VALUES[name]  # a later vote in the same batch replaces an earlier one
    source = (VoteSource.PAPER if getattr(user, "role", None) == Role.GRID else VoteSource.API) if staff else VoteSource.WEB
    _write_votes(c, clean, user if staff else None, source)
    return len(votes)


@transaction.atomic
def _write_votes(c: Consultation, clean: dict, user, source: str):
    now = clock.now()
    codes = {code for code, _ in clean}
    known = dict(Participant.objects.filter(consultation=c, code__in=codes).values_list("code", "id"))
    new = [Participant(consultation=c, code=code, created_at=now) for code in codes - known.keys()]
    if new:
        Participant.objects.bulk_create(new, ignore_conflicts=True)
        known = dict(Participant.objects.filter(consultation=c, code__in=codes).values_list("code", "id"))
    rows = {(known[code], sid): value for (code, sid), value in clean.items()}
    existing = {(v.participant_id, v.statement_id): v
                for v in Vote.objects.filter(consultation=c, participant_id__in=set(known.values()),
                                             statement_id__in={sid for _, sid in clean})}
    changed, fresh = [], []
    for (pid, sid), value in rows.items():
        old = existing.get((pid, sid))
        if old is None:
            fresh.append(Vote(consultation=c, participant_id=pid, statement_id=sid, value=value, source=source,
                              recorded_by=user, updated_at=now))
        else:
            old.value, old.source, old.recorded_by, old.updated_at = value, source, user, now
            changed.append(old)
    Vote.objects.bulk_create(fresh, batch_size=1000)
    Vote.objects.bulk_update(changed, ["value", "source", "recorded_by", "updated_at"], batch_size=1000)


def next_statements(c: Consultation, device: str, n: int = 3) -> list[Statement]:
    """A few approved statements this participant has not voted on, the least-voted first (so every
    statement gathers votes), ties broken at random."""
    voted = Vote.objects.filter(participant__consultation=c, participant__code=device).values("statement_id")
    pool = list(c.statements.filter(status=StatementStatus.APPROVED).exclude(id__in=voted)
                .annotate(n=Count("votes")).order_by("n", "seq")[: n * 4])
    rng = secrets.SystemRandom()
    rng.shuffle(pool)
    return sorted(pool, key=lambda s: s.n)[:n]


def progress(c: Consultation, device: str) -> dict:
    approved = c.statements.filter(status=StatementStatus.APPROVED).count()
    mine = Vote.objects.filter(participant__consultation=c, participant__code=device).count() if device else 0
    return {"statements": approved, "voted": mine}


def vote_rows(c: Consultation):
    """(participant code, statement id, value) for every current vote on an approved statement — the input
    of find_groups. Three plain reads joined here, not in SQL: a city's consultation has millions of votes,
    and a join the planner misjudges (statistics not yet gathered after a bulk load) took minutes; this
    way it is one scan of the consultation's votes whatever the statistics, and no code is sent per vote."""
    approved = set(c.statements.filter(status=StatementStatus.APPROVED).values_list("id", flat=True))
    codes = dict(c.participants.values_list("id", "code"))
    votes = Vote.objects.filter(consultation=c).values_list("participant_id", "statement_id", "value")
    for pid, sid, value in votes.iterator(chunk_size=20000):
        if sid in approved:
            yield codes[pid], sid, value


def version(c: Consultation) -> tuple:
    """Changes whenever the results may: a vote cast or changed, a statement approved or rejected."""
    agg = Vote.objects.filter(consultation=c).aggregate(n=Count("id"), last=Max("updated_at"))
    moments = [m for m in (agg["last"], c.statements.aggregate(last=Max("moderated_at"))["last"]) if m]
    return agg["n"], max(moments).isoformat() if moments else ""


def place_units(user):
    """The units a manager may publish for: their own and those below it, grids excepted."""
    qs = Unit.objects.filter(active=True).exclude(level=Level.GRID).order_by("path")
    return qs.filter(in_subtree("path", user.unit.path)) if user.unit_id else qs


PAPER_WORDS = {"同意": "agree", "赞成": "agree", "+": "agree", "agree": "agree",
               "反对": "disagree", "不同意": "disagree", "-": "disagree", "disagree": "disagree",
               "不确定": "pass", "弃权": "pass", "跳过": "pass", "0": "pass", "pass": "pass"}


def parse_paper_votes(c: Consultation, text: str) -> list[dict]:
    """Votes copied from paper sheets, one per line: `户号 观点序号 表态` (spaces, commas or tabs; 表态 is
    同意/反对/不确定 or +/-/0). Statements are named by their number on the sheet. Any bad line stops
    the whole entry with its line number, so nothing is half-entered."""
    import re

    by_seq = dict(c.statements.filter(status=StatementStatus.APPROVED).values_list("seq", "id"))
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        parts = [p for p in re.split(r"[\s,，、;；]+", line.strip()) if p]
        if not parts:
            continue
        if len(parts) != 3:
            raise Invalid(f"第{n}行应为“户号 观点序号 表态”三项，例如：A01 3 同意", field="paper")
        code, seq, word = parts
        seq = seq.lstrip("#＃")
        if not seq.isdigit() or int(seq) not in by_seq:
            raise Invalid(f"第{n}行：没有序号为 {seq} 的观点", field="paper")
        if word.lower() not in PAPER_WORDS:
            raise Invalid(f"第{n}行：表态应为 同意、反对 或 不确定（也可写 + - 0）", field="paper")
        out.append({"participant": code, "statement": by_seq[int(seq)], "vote": PAPER_WORDS[word.lower()]})
    if not out:
        raise Invalid("没有可录入的表态", field="paper")
    return out
