"""Errors that carry a message meant for the person who caused them."""


class OrchestratorError(Exception):
    """Base class: the message is shown to the user as is."""


class InvalidInput(OrchestratorError):
    """The caller sent something we refuse (empty idea, bad payload)."""


class Conflict(InvalidInput):
    """The request is well formed but the thing's current state refuses it (a finished project).

    A kind of InvalidInput so callers that catch refusals as a whole (the CLI asking again)
    keep doing so; the API tells the two apart (409 vs 422).
    """


class NotFound(OrchestratorError):
    """An id that names nothing the caller may see."""


class InvalidModelOutput(OrchestratorError):
    """The model answered with something that does not fit the expected shape."""


class StructuredOutputFailed(InvalidModelOutput):
    """Still no valid structured answer after the model was shown its validation errors."""


class ServiceUnavailable(OrchestratorError):
    """A service we depend on (Temporal, the database, a provider) cannot be reached."""


class UnknownHandle(NotFound):
    """A handle (secret://, port://, ...) that names nothing recorded; the value is never named."""


class SecretStoreUnavailable(ServiceUnavailable):
    """The secrets file cannot be read or written (missing or wrong age key, corrupt file)."""


class RateLimited(ServiceUnavailable):
    """A service asked us to come back later; the activity is retried after `retry_after_s`."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
