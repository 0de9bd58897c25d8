"""``mskctl doctor``: walk the connection path and stop at the first broken link, with its fix."""
