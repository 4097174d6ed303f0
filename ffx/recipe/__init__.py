"""The recipe document: inputs, steps and output as pydantic models, loaded from YAML with
``${vars}`` and ``--set``, desugared, validated and located; its JSON Schema.

Imports the effects (a step is an effect) and :mod:`ffx.syntax`; the compiler imports it.
"""
