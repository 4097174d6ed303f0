"""The filtergraph: nodes and pads, escaping at FFmpeg's two levels, splits where one output feeds
several filters, lowering to argv; the table of the binary's filters and the checks made against it.

Imports nothing of ffx but :mod:`ffx.errors`: effects build on it, the compiler lowers with it.
"""
