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
    ├── PermissionDenied        the actor may not do this
    └── NeedsConfirmation       a step with consequences to confirm first (CLI: --yes)
"""

from __future__ import annotations

from cocreate_map.i18n import has_key, translate


class CocreateError(Exception):
    """Base of every error the application raises on purpose.

    New code raises with a message key and parameters, translated for the reader::

        raise PermissionDenied(key="access.staff_only", action="import")

    ``key`` names ``error.<key>`` in ``locales/*.errors.json`` (both languages, a test checks);
    ``render(lang)`` gives the text in the reader's language, ``message`` (and ``str()``) the
    English text for the CLI and logs. Older code passes an English ``message`` only; ``render``
    then returns it unchanged.
    """

    def __init__(self, message: str = "", *, key: str | None = None, **params: object) -> None:
        self.key = key
        self.params = params
        if key is not None and not message:
            message = self.render("en")
        super().__init__(message)
        self.message = message

    def render(self, lang: str, *, page: bool = False) -> str:
        """The message in ``lang`` ("zh" or "en"). Parameters that are errors (a wrapped cause,
        a list of per-line errors) or :class:`Term` render in ``lang`` too.

        ``page=True`` (what the UI shows): a message whose advice names a command-line flag has
        a ``error.<key>.page`` variant naming the page's control instead; used when present."""
        if self.key is None:
            return self.message
        params = {k: _localised(v, lang, page) for k, v in self.params.items()}
        key = f"error.{self.key}"
        if page and has_key(f"{key}.page"):
            key = f"{key}.page"
        return translate(lang, key, **params)

    def __str__(self) -> str:
        return self.message


class Term:
    """A word inside an error message that has its own catalog entry (a status, a field name):
    ``en`` is the English text the CLI prints, ``key`` the catalog entry for other languages."""

    def __init__(self, key: str, en: str) -> None:
        self.key = key
        self.en = en

    def render(self, lang: str) -> str:
        if lang == "en":
            return self.en
        text = translate(lang, self.key)
        return self.en if text == self.key else text

    def __str__(self) -> str:
        return self.en

    def __repr__(self) -> str:
        return repr(self.en)


def _localised(value: object, lang: str, page: bool = False) -> object:
    if isinstance(value, CocreateError):
        return value.render(lang, page=page)
    if isinstance(value, Term):
        return value.render(lang)
    if (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, CocreateError) for v in value)
    ):
        sep = "; " if lang == "en" else "；"
        return sep.join(v.render(lang, page=page) for v in value)
    return value


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


def at_line(line: int, inner: CocreateError, *, unit: str = "line") -> InvalidInput:
    """``inner`` as the error of line (or ``unit="feature"``: feature) ``line`` of a file."""
    return InvalidInput(key=f"import.at_{unit}", line=line, inner=inner)


def first_errors(errors: list[CocreateError], limit: int = 20) -> list[CocreateError]:
    """The first ``limit`` per-line errors, and a note of how many more there are; a parameter
    that renders as one list in the reader's language."""
    shown = list(errors[:limit])
    if len(errors) > limit:
        shown.append(InvalidInput(key="import.and_more", n=len(errors) - limit))
    return shown


class NeedsConfirmation(CocreateError):
    pass
