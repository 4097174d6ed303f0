"""What a stream of media is, read from the file: size, rate, duration, frame count, sound; the packets
a cut needs; what frames of it cost in memory.

``info`` (MediaInfo, UncountedInfo), ``report`` (FFmpeg's report and packet listings, parsed), ``probe``
(a file described), ``packets`` (keyframes, frame times, spans read ahead), ``pictures`` (image
sequences), ``cache`` (the ProbeCache a compile is handed: no module keeps answers), ``memory``.

Imports :mod:`ffx.ffmpeg` (to run the probe) and :mod:`ffx.errors`; nothing above.
"""
