"""The recipe document: inputs, steps and output as pydantic models, loaded from YAML with
``${vars}`` and ``--set``, desugared, validated and located; its JSON Schema.

The pipeline in modules: ``variables`` (``--set`` typing, ``${name}`` filled in) and ``desugar``
(shorthand steps and paths) are text-level and import no pydantic, so the command line's read-ahead
uses them before the models load; ``inputs``, ``output`` and ``document`` (Recipe) are the models;
``loading`` (load_recipe) runs them in order; ``schema`` writes the JSON Schema; ``sizes`` reads "512M".

Imports the effects (a step is an effect) and :mod:`ffx.syntax`; the compiler imports it.
"""
