"""ffx: declarative video-effect recipes compiled to one streaming FFmpeg command.

>>> import ffx
>>> recipe = ffx.Recipe(input="clip.mp4", steps=["reverse"], output="reversed.mp4")
>>> recipe.to_yaml().splitlines()[1]
'steps:'
"""

from . import effects
from .api import compile_recipe, render
from .errors import CapabilityError, FfxError, InputError, Problem, RecipeError, RenderError
from .media import MediaInfo
from .plan import FfmpegStage, Plan
from .recipe import Input, Recipe, load_recipe
from .output import Output

__version__ = "0.1.0"
__all__ = [
    "CapabilityError", "FfmpegStage", "FfxError", "Input", "InputError", "MediaInfo", "Output", "Plan", "Problem",
    "Recipe", "RecipeError", "RenderError", "compile_recipe", "effects", "load_recipe", "render",
]
