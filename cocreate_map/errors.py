"""One error tree for the whole application.

Every message says what was expected, what was received and what to do. The CLI prints the
message and exits 2; the UI shows it with ``st.error`` (``ui/feedback.py``). A raised error means
nothing was written.

::

    CocreateError
    ├── InvalidInput            a value from a person or a file is not acceptable
    │   ├── InvalidGeometry     geometry that cannot be repaired, or is empty
    │   ├── CrsError            coordinates do not fit the declared or detected CRS
    │   ├── ImportFormatError   a file that cannot be read as the format it claims
    │   └── TooLarge            an upload or file above the configured size limit
    ├── NotFound                a community, element or ballot that does not exist
    ├── AlreadyExists           a slug or id that is already taken
    ├── NotEligible             a household outside a ballot's electorate
    ├── BallotClosed            a vote on a closed ballot
    ├── AlreadyVoted            a second vote where a change is not allowed
    ├── InvalidTransition       a lifecycle step that is not allowed from the current state
    └── PermissionDenied        the actor may not do this
"""

from __future__ import annotations


class CocreateError(Exception):
    """Base of every error the application raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(CocreateError):
    pass


class InvalidGeometry(InvalidInput):
    pass


class CrsError(InvalidInput):
    pass


class ImportFormatError(InvalidInput):
    pass


class TooLarge(InvalidInput):
    pass


class NotFound(CocreateError):
    pass


class AlreadyExists(CocreateError):
    pass


class NotEligible(CocreateError):
    pass


class BallotClosed(CocreateError):
    pass


class AlreadyVoted(CocreateError):
    pass


class InvalidTransition(CocreateError):
    pass


class PermissionDenied(CocreateError):
    pass
