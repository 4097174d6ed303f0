"""The motion-extraction loop as the OpenCV tutorial writes it (the peer ffx is measured against).

    python bench/motion_opencv.py IN OUT {collect|stream} {mp4v|x264}

collect: keep every motion frame in a list and write at the end (the tutorial's way);
stream: write each frame as it is made. mp4v writes MPEG-4 Part 2 through OpenCV;
x264 pipes raw frames to FFmpeg's libx264 (OpenCV's wheels have no H.264 encoder).
"""

from __future__ import annotations

import subprocess
import sys

import cv2

from _common import ROOT

sys.path.insert(0, str(ROOT))
from ffx.ffmpeg.binary import find_ffmpeg  # noqa: E402


def main() -> None:
    source, target, mode, codec = sys.argv[1:5]
    cap = cv2.VideoCapture(source)
    fps = cap.get(cv2.CAP_PROP_FPS)
    working, frame = cap.read()
    height, width = frame.shape[:2]
    if codec == "mp4v":
        writer = cv2.VideoWriter(target, cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
        write, close = writer.write, writer.release
    else:
        encoder = subprocess.Popen(
            [find_ffmpeg(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{width}x{height}",
             "-r", str(fps), "-i", "-", "-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p",
             target], stdin=subprocess.PIPE)
        write = lambda f: encoder.stdin.write(f.tobytes())  # noqa: E731

        def close():
            encoder.stdin.close()
            encoder.wait()
    frames = []
    prev = frame.copy()
    while working:
        motion = cv2.addWeighted(frame, 0.5, cv2.bitwise_not(prev), 0.5, 0)
        if mode == "collect":
            frames.append(motion)
        else:
            write(motion)
        prev = frame
        working, frame = cap.read()
    for motion in frames:
        write(motion)
    close()
    cap.release()


if __name__ == "__main__":
    main()
