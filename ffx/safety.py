"""What a recipe value may never make FFmpeg do: read or write files, open
devices or sockets, run commands, or load native code.

Recipes are meant to be shared, so raw ``filter`` steps are checked against
these lists; ``allow_unsafe`` (``--allow-unsafe``) is the explicit opt-in for
recipes the user trusts.
"""

from __future__ import annotations

# filters that read/write files, listen on sockets, run commands or load plugins
UNSAFE_FILTERS = frozenset({
    "movie", "amovie", "sendcmd", "asendcmd", "zmq", "azmq", "frei0r", "frei0r_src", "ladspa", "lv2",
    "ass", "subtitles", "lut3d", "haldclut", "signature", "vidstabdetect", "vidstabtransform",
    "libvmaf", "vmafmotion", "dnn_processing", "dnn_classify", "dnn_detect", "sr", "derain", "arnndn",
    "whisper", "ocr", "coreimage", "coreimagesrc", "openclsrc", "program_opencl", "libplacebo",
    "avgblur_opencl", "find_rect", "cover_rect", "remap_opencl", "drawbox_vaapi", "tonemap_opencl",
    "afir", "firequalizer", "sofalizer", "spectrumsynth", "showspectrumpic", "bs2b", "ebur128",
})

# option names that make otherwise harmless filters touch files
UNSAFE_OPTIONS = frozenset({
    "file", "filename", "textfile", "fontfile", "stats_file", "log_path", "log_fmt", "logfile", "result",
    "input", "output", "model", "model_path", "path", "dump", "url", "filter_script", "fontsdir",
    "clut", "gfile", "xmap", "ymap", "sofa", "profile", "mask", "script",
})


def unsafe_filter_reason(name: str, options: list[str]) -> str | None:
    """Why a raw filter is refused, or None when it is harmless."""
    if name in UNSAFE_FILTERS:
        return f"the {name} filter can read or write files, open sockets or load code"
    if name.startswith(("lv2", "ladspa", "frei0r")) or name.endswith(("_opencl", "_vulkan", "_cuda", "_vaapi", "_qsv")):
        return f"the {name} filter loads native code or opens a device"
    for option in options:
        if option in UNSAFE_OPTIONS:
            return f"the option {option!r} can make FFmpeg read or write a file"
    return None
