"""Many renders: ``batch`` (many inputs, on every core or a Dask cluster) and ``chunks`` (one render
split into pieces at frames the compiler proves independent). Built on :mod:`ffx.run`.
"""
