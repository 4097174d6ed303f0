"""The GIF as MoviePy makes it (the peer), or its frames kept lossless (the reference for its own score).

    python bench/gif_moviepy.py gif IN OUT.gif START END WIDTH FPS
    python bench/gif_moviepy.py frames IN OUT.mkv START END WIDTH FPS
"""

import sys

from moviepy import VideoFileClip

mode, source, target, start, end, width, fps = sys.argv[1:8]
clip = VideoFileClip(source, audio=False).subclipped(float(start), float(end)).resized(width=int(width))
if mode == "gif":
    clip.write_gif(target, fps=float(fps), logger=None)
else:
    clip.write_videofile(target, fps=float(fps), codec="ffv1", audio=False, logger=None,
                         ffmpeg_params=["-pix_fmt", "bgr0"])
