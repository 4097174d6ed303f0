"""``ffx studio``: a recipe editor in the browser, served on this machine only.

The page shows a recipe as it is typed: its problems at their lines (the
messages ``ffx validate`` prints), the command ``ffx compile`` prints, the
filtergraph picture of ``ffx graph``, and on request a preview and contact
sheet from :func:`ffx.preview`. It needs the ``studio`` extra (Starlette and
uvicorn), which the rest of ffx never imports.

- :mod:`ffx.studio.folder`: the one folder the page may read and write.
- :mod:`ffx.studio.session`: what the page asks of a recipe, as plain data.
- :mod:`ffx.studio.app`: the HTTP routes, the token and the host check.
- :mod:`ffx.studio.scratch`: the previews' folder, and the sweep of those left by killed studios.
- :mod:`ffx.studio.server`: a free port on 127.0.0.1, the URL, uvicorn.
"""
