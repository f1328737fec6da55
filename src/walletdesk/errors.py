"""Domain errors: each carries its HTTP status, a stable code and a translatable message.

Services raise these; the app turns them into JSON (API) or an error page (HTML), in the
caller's language. Messages are English msgids with `{name}` placeholders.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    default_message: ClassVar[str] = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
        **params: Any,
    ) -> None:
        self.message = message or self.default_message
        self.field = field
        self.params = params
        if code:
            self.code = code  # type: ignore[misc]
        super().__init__(self.message.format(**params) if params else self.message)


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"
    default_message = "Please check this field."


class FormInvalid(ValidationFailed):
    """Every problem of a form at once; behaves as its first problem where one is enough."""

    def __init__(self, problems: list[ValidationFailed]) -> None:
        first = problems[0]
        super().__init__(first.message, field=first.field, **first.params)
        self.problems = problems


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    default_message = "Please sign in first."


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = "You are not allowed to do this."


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = "Not found."


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = "This conflicts with the current state."


class TooLarge(DomainError):
    status = 413
    code = "too_large"
    default_message = "The file is too large."


class Locked(DomainError):
    status = 423
    code = "locked"
    default_message = "This account is temporarily locked."


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    default_message = "Too many attempts. Please wait a moment and try again."

    def __init__(
        self, message: str | None = None, *, retry_after: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after  # seconds, sent as the Retry-After header
