"""The response shapes of the routes integrators rely on (ENGINEERING.md, "Interfaces others rely on"),
so that /api/openapi.json names their fields and types. They are declared in the document
(api/openapi.py, `DeclaredSchema`), not used to filter the answer: each is open (additional properties
allowed) — a field added later reaches the client as before, and the shape lists what is promised.
tests/test_api_shapes.py checks every real answer against its shape, so the two cannot drift apart."""

from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field


class Open(Schema):
    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})


class BasisOut(Open):
    present: bool
    strength: float = Field(ge=0, le=1)
    found: list[str] = Field(description="what the citizen can check: 文号、法规条款、日期、措施…")


class BoilerplateOut(Open):
    flagged: bool
    share: float = Field(ge=0, le=1, description="share of the reply that other replies also say")
    phrases: list[str]


class PointOut(Open):
    text: str
    answered: bool
    coverage: float = Field(ge=0, le=1)
    found: list[str]
    missing: list[str]


class AssessmentOut(Open):
    score: float = Field(ge=0, le=1)
    relevance: float = Field(ge=0, le=1)
    completeness: float = Field(ge=0, le=1)
    basis: BasisOut
    boilerplate: BoilerplateOut
    unanswered: list[str] = Field(description="the message's points the reply does not address")
    notes: list[str]
    hollow: bool = Field(description="says nothing: formula, or nothing of the message with nothing to check")
    off_message: bool = Field(description="says something checkable, but not of this message (a reply to another case?)")
    points: list[PointOut]
    topic: float = Field(ge=0, le=1, description="likeness of message and reply in the topic space (other words, same matter)")
    topicality: float = Field(ge=0, le=1, description="learned: how far the reply speaks to this message (docs/replies.md)")
    off_topic: float = Field(ge=0, le=1, description="how much the reply speaks of what the message never raised")
    off_topic_words: list[str]
    other_places: list[str] = Field(description="counties, towns or villages the reply names of a kind the message names, by another name")
    other_cities: list[str] = Field(description="coded places (A8县) the reply names, all of other cities than every coded place the message names (J11市)")
    other_names: float = Field(ge=0, le=1, description="how much the reply names places and names the message does not (another estate, firm, village)")
    other_names_words: list[str] = Field(description="those names, the weightiest first")
    char_cover: float = Field(ge=0, le=1, description="relevance by characters: a key term the reply does not hold counts by the share of its characters it holds")
    char_words: list[str] = Field(description="the message's key terms the reply holds by half their characters or more, not whole")
    threshold: float
    passes: bool


class Alternative(Open):
    category: str
    confidence: float


class ClassifyOut(Open):
    category: str | None = Field(description="first-level category; null while no model is ready")
    confidence: float | None
    alternatives: list[Alternative]
    unit: str | None = Field(description="the unit's code the dispatch rules name")
    unit_name: str | None = None
    why: str | None = None


class RatesOut(Open):
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None
    cases: int
    unit: str


class HotspotOut(Open):
    title: str
    heat: float | None
    voices: int
    keywords: list[str]
    cases: list[str] = Field(description="case numbers")


class GroupOut(Open):
    id: int
    size: int
    participants: list[str]
    representative: list[Any]


class GroupsOut(Open):
    groups: list[GroupOut]
    consensus: list[Any]
    participants: int
    votes: int
    statements: int
    stale: bool


class ReplyOut(Open):
    text: str


class TrackOut(Open):
    number: str
    title: str
    status: str
    status_label: str
    received_at: str
    replies: list[dict[str, Any]]
    rating: str | None
    can_rate: bool
    timeline: list[dict[str, Any]]


class SubmitterOut(Open):
    mode: str = Field(description="named | protected | anonymous")
    name: str = Field(description="masked for a protected submitter, 匿名 for an anonymous one")
    phone: str = Field(description="masked in lists; whole only where the reader may call back")


class CaseSummaryOut(Open):
    number: str
    title: str
    status: str
    status_label: str
    channel: str
    category: str | None = Field(description="the category's path (一级/二级); null until triaged")
    unit: str = Field(description="the code of the unit the voice was filed at")
    unit_name: str
    assigned_unit: str | None
    assigned_unit_name: str | None
    urgency: str
    received_at: str = Field(description="ISO 8601 with the county's offset")
    contact_due: str | None
    resolve_due: str | None
    deadline_state: str = Field(description="ok | due_soon | overdue | paused | answered | closed")
    overdue: bool
    overdue_by: str | None = Field(None, description="the deadline missed: resolve | contact (null unless overdue)")
    voices: int = Field(description="voices merged into the case")
    escalation_level: int
    endorsements: int
    rating: str | None
    submitter: SubmitterOut | None


class CaseListOut(Open):
    items: list[CaseSummaryOut]
    count: int = Field(description="cases matching; with a text query, counted up to a bound (count_exact false)")
    count_exact: bool
    page: int
    pages: int


class EventOut(Open):
    at: str
    action: str
    label: str
    actor: str
    from_status: str | None
    to_status: str | None
    note: str
    data: dict[str, Any]


class CaseOut(CaseSummaryOut):
    text: str
    address: str
    lat: float | None
    lng: float | None
    keywords: list[str]
    places: list[str] = Field(description="place names found in the text, whole")
    handler: str | None
    replies: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    events: list[EventOut] = Field(description="the case's history, oldest first")
    actions: list[str] = Field(description="what the reader may do next: POST /api/cases/{number}/{action}")
    reply_assessment: AssessmentOut | None = Field(None, description="after a reply action: the assessment of what was sent")


class IdOut(Open):
    id: int


class StatementOut(IdOut):
    seq: int
    status: str = Field(description="approved (staff) | pending (a citizen's, until moderated)")


class VotesOut(Open):
    accepted: int = Field(description="votes recorded")


class VisitOut(IdOut):
    cases: list[str] = Field(description="the numbers of the cases the visit's voices opened")


# operationId → (status, shape, a list of them?)
SHAPES = {
    "minqing_api_text_post_assess_reply": (200, AssessmentOut, False),
    "minqing_api_text_post_classify": (200, ClassifyOut, False),
    "minqing_api_stats_get_rates": (200, RatesOut, False),
    "minqing_api_stats_get_hotspots": (200, HotspotOut, True),
    "minqing_api_consultations_get_groups": (200, GroupsOut, False),
    "minqing_api_cases_track": (200, TrackOut, False),
    "minqing_api_cases_list_cases": (200, CaseListOut, False),
    "minqing_api_cases_get_case": (200, CaseOut, False),
    "minqing_api_cases_post_action": (200, CaseOut, False),
    "minqing_api_consultations_post_consultation": (201, IdOut, False),
    "minqing_api_consultations_post_statement": (201, StatementOut, False),
    "minqing_api_consultations_post_votes": (200, VotesOut, False),
    "minqing_api_visits_post_visit": (201, VisitOut, False),
}
