"""Domain errors. Services raise these with a message in Chinese for the person at the screen;
the API turns them into `{"error": {"code", "message", "field"}}` with the right 4xx status and the
web views into a message on the page. Nothing else should reach a client."""


class DomainError(Exception):
    status = 400
    default_code = "invalid"

    def __init__(self, message: str, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.default_code

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


class Invalid(DomainError):
    status = 400
    default_code = "invalid"


def unknown_unit(code, field: str = "unit") -> Invalid:
    """A unit code that names no active unit; an empty one means nothing was chosen."""
    code = str(code or "").strip()
    return Invalid(f"单位“{code}”不存在" if code else "请选择单位", field=field, code="unknown_unit")


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class IllegalTransition(DomainError):
    status = 409
    default_code = "illegal_transition"


class TooLarge(DomainError):
    """A request body or an uploaded file over its limit (HTTP 413)."""

    status = 413
    default_code = "too_large"
