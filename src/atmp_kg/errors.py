"""The few error types that reach the user, and the exit code each maps to.

Library code raises these; the CLI maps them once to one clear line on stderr.
Exit codes: 0 ok; 1 the graph does not conform or a check found problems;
2 usage or input error; 3 endpoint or network fault.
"""


class AtmpKgError(Exception):
    """Base class: a problem to report in one line, without a traceback."""

    exit_code = 2


class InputError(AtmpKgError):
    """A file, argument or parameter that cannot be used as given."""

    exit_code = 2


class NotConforming(AtmpKgError):
    """The graph does not conform to the shapes, or a check found problems."""

    exit_code = 1


class EndpointError(AtmpKgError):
    """A SPARQL endpoint or store could not be reached or answered wrongly."""

    exit_code = 3
