"""mskctl: secure Amazon MSK, as code, from Python."""

__version__ = "0.1.0"


def connect(*args, **kwargs):
    """See :func:`mskctl.clients.connection.connect`."""
    from mskctl.clients.connection import connect as _connect

    return _connect(*args, **kwargs)
