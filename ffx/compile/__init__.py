"""Recipe and media in, plan out: the compiler, the plan and its stages, the memory model's
segmented reverse planner, and the live-preview command.

Imports the recipe, the effects, the filtergraph and media; never the run side.
"""
