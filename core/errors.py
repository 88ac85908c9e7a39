"""Errors that carry a message meant for the person who caused them."""


class OrchestratorError(Exception):
    """Base class: the message is shown to the user as is."""


class InvalidInput(OrchestratorError):
    """The caller sent something we refuse (empty idea, bad payload)."""


class NotFound(OrchestratorError):
    """An id that names nothing the caller may see."""


class InvalidModelOutput(OrchestratorError):
    """The model answered with something that does not fit the expected shape."""


class ServiceUnavailable(OrchestratorError):
    """A service we depend on (Temporal, the database, a provider) cannot be reached."""
