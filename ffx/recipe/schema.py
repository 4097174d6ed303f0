"""The JSON Schema of a recipe's YAML form (shorthand steps included), for editors.
"""

from __future__ import annotations

from ..effects import REGISTRY
from ..effects.keyframes import moving_fields
from .document import Recipe


def recipe_json_schema() -> dict:
    """JSON Schema of the YAML form (shorthand steps included), for editors."""
    schema = Recipe.model_json_schema(mode="validation")
    defs = schema.setdefault("$defs", {})
    variants: list[dict] = []
    for name, cls in REGISTRY.items():
        params = cls.model_json_schema(mode="validation")
        for key, value in params.pop("$defs", {}).items():
            defs.setdefault(key, value)
        props = {k: v for k, v in params.get("properties", {}).items() if k not in ("effect", "from", "as")}
        body = {"type": "object", "properties": props, "additionalProperties": cls.model_config.get("extra") == "allow",
                "description": (cls.__doc__ or "").strip().split("\n")[0]}
        moving = moving_fields(cls)
        if moving:  # parameters that take keyframes: named in the description and listed for tools
            body["description"] += f" (can move: {', '.join(moving)})"
            body["x-can-move"] = list(moving)
        required = [r for r in params.get("required", []) if r != "effect"]
        if required:
            body["required"] = required
        value_forms: list[dict] = [body, {"type": "null"}]
        if cls.main_parameter:
            value_forms.append(props.get(cls.main_parameter, {}))
        variants.append({"type": "object", "required": [name], "additionalProperties": False,
                         "properties": {name: {"anyOf": value_forms}, "from": {"type": "string"}, "as": {"type": "string"}}})
        if not required:
            variants.append({"const": name})
    schema["properties"]["steps"] = {"type": "array", "items": {"anyOf": variants}, "description": "the effects, applied in order"}
    for key in ("input", "output"):
        schema["properties"][key] = {"anyOf": [{"type": "string"}, *schema["properties"][key].get("anyOf", [])]}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ffx recipe"
    return schema
