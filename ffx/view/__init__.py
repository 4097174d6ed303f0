"""Pictures of a plan (graph drawings in SVG, DOT, Mermaid) and the terminal progress bar.
"""
