"""mskctl: secure Amazon MSK as code, from Python."""

__version__ = "0.1.0"
