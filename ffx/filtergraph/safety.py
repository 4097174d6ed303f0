"""What a recipe value may never make FFmpeg do: read or write files, open
devices or sockets, run commands, or load native code.

Recipes are meant to be shared, so a raw ``filter`` step must name a filter
on the reviewed list (``filter_table.KNOWN_FILTERS``, generated from the
bundled FFmpeg by ``tools/filter_table.py``) and may not set any of its
options that name files, devices, sockets or plugins (``WORLD_OPTIONS``, per
filter, aliases included: ``f`` is a file for ``psnr`` but not for others).
A filter FFmpeg adds later is refused until it has been reviewed.
``allow_unsafe`` (``--allow-unsafe``) is the explicit opt-in for recipes the
user trusts.
"""

from __future__ import annotations

import difflib

from .filter_table import KNOWN_FILTERS, WORLD_OPTIONS

# filters that read/write files, listen on sockets, run commands or load plugins
UNSAFE_FILTERS = frozenset({
    "movie", "amovie", "sendcmd", "asendcmd", "zmq", "azmq", "frei0r", "frei0r_src", "ladspa", "lv2",
    "ass", "subtitles", "lut3d", "haldclut", "signature", "vidstabdetect", "vidstabtransform",
    "libvmaf", "vmafmotion", "dnn_processing", "dnn_classify", "dnn_detect", "sr", "derain", "arnndn",
    "whisper", "ocr", "coreimage", "coreimagesrc", "openclsrc", "program_opencl", "libplacebo",
    "avgblur_opencl", "find_rect", "cover_rect", "remap_opencl", "drawbox_vaapi", "tonemap_opencl",
    "afir", "firequalizer", "sofalizer", "spectrumsynth", "showspectrumpic", "bs2b", "ebur128",
    "buffer", "abuffer", "buffersink", "abuffersink", "hwupload", "hwmap", "hwdownload", "hwupload_cuda",
    "fsync", "removelogo", "cellauto", "life", "fieldhint", "lut1d", "nnedi",
})

# option names that make otherwise harmless filters touch files
UNSAFE_OPTIONS = frozenset({
    "file", "filename", "textfile", "fontfile", "stats_file", "log_path", "log_fmt", "logfile", "result",
    "input", "output", "model", "model_path", "path", "dump", "url", "filter_script", "fontsdir",
    "clut", "gfile", "xmap", "ymap", "sofa", "profile", "mask", "script",
})


def hardware_filter(name: str) -> bool:
    """Filters that load native plugins or open a GPU device."""
    return name.startswith(("lv2", "ladspa", "frei0r")) or name.endswith(
        ("_opencl", "_vulkan", "_cuda", "_vaapi", "_qsv", "_amf", "_npp"))


def unsafe_filter_reason(name: str, options: list[str]) -> str | None:
    """Why a raw filter is refused, or None when it is harmless."""
    if name in UNSAFE_FILTERS:
        return f"the {name} filter can read or write files, open sockets or load code"
    if hardware_filter(name):
        return f"the {name} filter loads native code or opens a device"
    if name not in KNOWN_FILTERS:
        close = difflib.get_close_matches(name, sorted(KNOWN_FILTERS), n=1)
        return (f"{name!r} is not on ffx's list of reviewed filters" +
                (f" (did you mean {close[0]!r}?)" if close else ""))
    for option in options:
        if option in UNSAFE_OPTIONS or option in WORLD_OPTIONS.get(name, ()):
            return f"the {name} option {option!r} can make FFmpeg read or write a file, a device or a socket"
    return None
