"""The GIF as MoviePy makes it (the peer), and its own frames kept lossless as the reference.

    python bench/gif_moviepy.py IN OUT.gif REFERENCE.mkv START END WIDTH FPS
"""

import sys

from moviepy import VideoFileClip

source, target, reference, start, end, width, fps = sys.argv[1:8]
clip = VideoFileClip(source, audio=False).subclipped(float(start), float(end)).resized(width=int(width))
clip.write_gif(target, fps=float(fps), logger=None)
clip.write_videofile(reference, fps=float(fps), codec="ffv1", audio=False, logger=None,
                     ffmpeg_params=["-pix_fmt", "bgr0"])
