"""The one exception readers raise for input they cannot use."""


class UnreadableInput(Exception):
    """A file or record that cannot become a document; the message says why."""
