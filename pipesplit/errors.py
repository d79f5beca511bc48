"""The one exception type users see: a one-line message, shown without a traceback."""


class PipesplitError(Exception):
    """Bad input or an impossible request; the message says what is wrong and what to do."""
