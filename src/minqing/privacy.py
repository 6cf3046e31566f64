"""Masking of submitters' identities (SPEC C2): the one masking function set, pure, below every app —
the ledger's pages and exports, intake, the public board and the warnings all mask through here.
Who may see what unmasked is decided in ledger/permissions.py (`may_reveal_contact`)."""

import re

ANONYMOUS_LABEL = "匿名"
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")


def phone_key(phone: str) -> str:
    """The join key of the people's history: the phone's digits, without a +86 / 0086 prefix
    ("138-1111 2222", "+86 13811112222" → "13811112222"); "" when too short to mean anyone."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) >= 5 else ""


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    digits = (phone or "").strip()
    if not digits:
        return ""
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:] if len(digits) > 7 else digits[:3] + "****"
    return "*" * len(digits)


def redact_text(text: str, name: str = "", phone: str = "") -> str:
    """Hide a submitter's own name and phone, and any mobile or ID-card number, inside free text."""
    text = text or ""
    if phone and len(phone) >= 5:
        text = text.replace(phone, mask_phone(phone))
    if name and len(name) >= 2:
        text = text.replace(name, mask_name(name))
    text = _PHONE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return _ID_IN_TEXT.sub(lambda m: m.group(1) + "********" + m.group(2), text)


_HOUSE_NUMBER = re.compile(r"\d+(号楼|号院|号|栋|幢|单元|室)")
ADDRESS_HIDDEN = "（地址已隐去）"


def redact_address(text: str, address: str = "", *, house_numbers: bool = True) -> str:
    """For public pages: hide a case's address wherever it is quoted, and (unless told not to) every house
    number (18号, 3单元, 502室) — a citizen often writes where they live into the text itself."""
    text = text or ""
    address = (address or "").strip()
    if len(address) >= 4:
        text = text.replace(address, ADDRESS_HIDDEN)
    return _HOUSE_NUMBER.sub(lambda m: "*" + m.group(1), text) if house_numbers else text


# A case's point on a public page or API: snapped to a grid of 0.001° — about 111 m north–south and, in
# China's latitudes, 90–105 m east–west — so the public sees the neighbourhood, never the home.
PUBLIC_POINT_DECIMALS = 3


def public_point(lat, lng) -> tuple[float | None, float | None]:
    """(lat, lng) as the public may see it: rounded to ~100 m; (None, None) when the case has no point."""
    if lat is None or lng is None:
        return None, None
    return round(float(lat), PUBLIC_POINT_DECIMALS), round(float(lng), PUBLIC_POINT_DECIMALS)


def submitter(voice, *, reveal: bool = False) -> dict:
    """What of a voice's submitter may be shown. `reveal` only for those allowed to call back."""
    mode = voice.submitter_mode
    if mode == "anonymous":
        return {"mode": mode, "name": ANONYMOUS_LABEL, "phone": ""}
    if mode == "protected" and not reveal:
        return {"mode": mode, "name": mask_name(voice.submitter_name), "phone": mask_phone(voice.submitter_phone)}
    return {"mode": mode, "name": voice.submitter_name, "phone": voice.submitter_phone if reveal or mode == "named" else ""}


def list_submitter(voice) -> dict:
    """In lists and exports: names of named submitters, never a full phone, protected names masked."""
    view = submitter(voice)
    view["phone"] = mask_phone(voice.submitter_phone) if voice.submitter_mode != "anonymous" else ""
    return view


def public_text(voice_or_case_text: str, voice) -> str:
    """Text as staff see it: a protected or anonymous submitter's identifiers are redacted."""
    if voice is None or voice.submitter_mode == "named":
        return voice_or_case_text
    return redact_text(voice_or_case_text, voice.submitter_name, voice.submitter_phone)
