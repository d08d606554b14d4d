"""Domain errors: small exception classes whose message is already in the user's words."""


class DomainError(Exception):
    """A rule said no. Routes turn it into a form error; a missed one becomes a 409, never a 500."""

    status_code = 409

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status_code = 404


class InvalidInput(DomainError):
    status_code = 422
