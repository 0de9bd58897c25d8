"""The ``mskctl`` command line."""
