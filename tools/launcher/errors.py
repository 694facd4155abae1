"""The one exception every part of the launcher raises."""


class LauncherError(Exception):
    """The deployment could not be brought up, inspected or torn down."""
