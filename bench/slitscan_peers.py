"""Slit-scan images the Python way (the peers): python bench/slitscan_peers.py {moviepy|numpy} IN OUT.png

moviepy: the tutorial's loop (iter_frames at width / duration fps, copy one column each).
numpy: FFmpeg decodes whole RGB frames into a pipe, numpy keeps one column of each sampled frame.
"""

import subprocess
import sys

import numpy as np
from ffx.media.probe import probe

mode, source, target = sys.argv[1:4]
if mode == "moviepy":
    from moviepy import VideoFileClip
    from PIL import Image

    clip = VideoFileClip(source, audio=False)
    width, height = clip.size
    image = np.zeros((height, width, 3), np.uint8)
    x, slit = 0, width // 2
    for frame in clip.iter_frames(fps=width / clip.duration, dtype="uint8"):
        if x < width:
            image[:, x] = frame[:, slit]
        x += 1
    Image.fromarray(image).save(target)
else:
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
    from PIL import Image

    import ffx
    from ffx.ffmpeg.binary import find_ffmpeg

    ffmpeg = find_ffmpeg()
    info = probe(source, ffmpeg)
    width, height, n = info.width, info.height, info.frames
    samples = min(width, n)
    wanted = {k * n // samples for k in range(samples)}
    proc = subprocess.Popen([ffmpeg, "-v", "error", "-i", source, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                            stdout=subprocess.PIPE)
    columns, size = [], width * height * 3
    for index in range(n):
        raw = proc.stdout.read(size)
        if len(raw) < size:
            break
        if index in wanted:
            columns.append(np.frombuffer(raw, np.uint8).reshape(height, width, 3)[:, width // 2].copy())
    proc.wait()
    Image.fromarray(np.stack(columns, axis=1)).save(target)
