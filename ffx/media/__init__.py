"""What a stream of media is, read from the file: size, rate, duration, frame count, sound; the packets
a cut needs; what frames of it cost in memory.

Imports :mod:`ffx.ffmpeg` (to run the probe) and :mod:`ffx.errors`; nothing above.
"""
