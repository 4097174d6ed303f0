"""How a recipe is written: YAML read with every value's line and column, clock-string times,
and pydantic's errors said in the recipe's words.

Below the effects and the recipe model, so an effect built in Python (``Resize("abc")``) raises the
same readable error as the YAML loader. Imports only :mod:`ffx.errors`.
"""
