"""GIF palette settings tried on a few frames of the result: what a quality number needs, measured.

A GIF's size and fidelity for a palette size, a dithering and inter-frame
transparency depend on the picture: 32 colours keep a black-and-white film
at SSIM 0.987, a fire at 0.858. So a quality number is turned into settings by
trying them: a handful of frames of the result (the recipe's own graph, at the
output size) are decoded once, and each round of candidates is applied to them
with FFmpeg's palettegen and paletteuse in one command that measures their SSIM
(FFmpeg's ``ssim`` filter, as ``bench/gif.py`` does) and its encoded bytes (the
GIF encoder's packets, listed by the ``framecrc`` muxer). The palette side
(:mod:`ffx.recipe.palette`) chooses among the answers.

Frames are taken two by two, consecutive, so that inter-frame transparency
(the GIF encoder sending unchanged pixels as transparent) counts in the bytes.
The frames looked at are bounded (:data:`SAMPLE_FRAMES` within the first
:data:`SAMPLE_SPAN` frames of the result), and so is the time (:data:`TIMEOUT`):
a trial that fails or runs over answers None, and the palette falls back to
its fixed mapping. Answers are kept in the compile's :class:`ProbeCache`, by
the input files' identity and the whole command, so a file compiled again
unchanged is not measured again.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence

from ..filtergraph import graph
from ..filtergraph.graph import Pad
from ..media.cache import ProbeCache, file_identity
from ..recipe.palette import inputs_of

SAMPLE_FRAMES = 4  # two pairs of consecutive frames
SAMPLE_SPAN = 96  # the pairs are spread over at most this many frames of the result (from its start)
TIMEOUT = 20.0  # seconds for each of the two FFmpeg runs; beyond it the palette uses its fixed mapping
_SSIM = re.compile(r"\[Parsed_ssim_(\d+) @ [^\]]*\] SSIM .*?All:([0-9.]+)")

Trial = tuple[int, dict, dict]  # palettegen's pixel step, palettegen's options, paletteuse's options


def _filter(name: str, options: dict) -> str:
    return graph.filter_spec(name, [(k, graph.option_text(v)) for k, v in options.items() if v is not None])


def trial_graph(trials: Sequence[Trial]) -> str:
    """The filtergraph trying each of ``trials`` on the sampled frames (input 0): a GIF stream per trial,
    labelled ``[g0]``, ``[g1]``... in order, and an ``ssim`` filter per trial, in the same order.

    Trials that differ only in how the palette is used (dithering) share one palettegen: its
    histogram is most of a trial's time on a colourful clip.

    >>> text = trial_graph([(2, {"max_colors": 32}, {"dither": "none"}), (2, {"max_colors": 32}, {"dither": "bayer"})])
    >>> text.count("palettegen"), text.count("paletteuse"), text.count("ssim")
    (1, 2, 2)
    """
    gens: dict[tuple, list[int]] = {}
    for i, (step, gen, _) in enumerate(trials):
        gens.setdefault((step, tuple(gen.items())), []).append(i)
    count = len(trials)
    parts = [f"[0:v]format=rgb24,split={len(gens) + 2 * count}" + "".join(f"[c{g}]" for g in range(len(gens)))
             + "".join(f"[u{i}][r{i}]" for i in range(count))]
    palette_of: dict[int, str] = {}
    for g, ((step, gen), users) in enumerate(gens.items()):
        counted = f"scale=max(1\\,trunc(iw/{step})):max(1\\,trunc(ih/{step})):flags=neighbor," if step > 1 else ""
        palette_of.update({i: f"[p{i}]" for i in users})
        parts.append(f"[c{g}]{counted}{_filter('palettegen', dict(gen))},split={len(users)}"
                     + "".join(palette_of[i] for i in users))
    for i, (_, _, use) in enumerate(trials):
        parts += [f"[u{i}][p{i}]{_filter('paletteuse', use)},split=2[g{i}][q{i}]",
                  f"[q{i}]format=rgb24[t{i}]", f"[t{i}][r{i}]ssim,nullsink"]
    return ";".join(parts)


class SampledPaletteTrials:
    """The compiler's :class:`~ffx.effects.context.PaletteTrials` port: a round of trials, one FFmpeg run."""

    def __init__(self, ffmpeg: str, probes: ProbeCache | None = None):
        self.ffmpeg = ffmpeg
        self.probes = probes if probes is not None else ProbeCache()
        self.runs = 0  # FFmpeg runs made (a cached answer makes none)
        self._samples: dict[tuple[str, ...], bytes] = {}  # sampled frames, by the command that decodes them

    def try_palettes(self, video: Pad, frames: int | None, trials: Sequence[Trial]) -> list[tuple[int, float]] | None:
        nodes = inputs_of([video])
        if not nodes or not all(node.name.startswith("file:") for node in nodes):
            return None  # a live, piped or generated source: no measuring, the fixed mapping is used
        paths = [node.name[len("file:"):] for node in nodes]
        identities = [file_identity(path) for path in paths]
        if None in identities:
            return None
        span = min(frames or SAMPLE_SPAN, SAMPLE_SPAN)
        every = max(2, span // (SAMPLE_FRAMES // 2))
        picked = graph.filter_node("select", [video], {"expr": f"lt(mod(n,{every}),2)"}).pad()
        sample = graph.lower([picked], "pipe:1", [("-frames:v", str(SAMPLE_FRAMES)), ("-fps_mode", "passthrough"),
                                                  ("-c:v", "rawvideo"), ("-pix_fmt", "rgb24"), ("-f", "nut")]).args
        trial_text = trial_graph(trials)
        what = f"gif palette trials {identities!r} {sample!r} {trial_text}"
        known = self.probes.measured(paths[0], self.ffmpeg, what)
        if known is not None:
            return known
        measured = self._measure(sample, trial_text, len(trials))
        if measured is not None:
            self.probes.remember_measure(paths[0], self.ffmpeg, what, measured)
        return measured

    def _measure(self, sample: list[str], trial_text: str, count: int) -> list[tuple[int, float]] | None:
        head = [self.ffmpeg, "-hide_banner", "-nostdin", "-nostats"]
        maps = [arg for i in range(count) for arg in ("-map", f"[g{i}]")]
        try:
            frames = self._samples.get(tuple(sample))
            if frames is None:  # decoded once for both rounds of trials
                self.runs += 1
                decoded = subprocess.run([*head, "-v", "error", *sample], capture_output=True, timeout=TIMEOUT,
                                         check=False)
                if decoded.returncode != 0 or not decoded.stdout:
                    return None
                frames = self._samples[tuple(sample)] = decoded.stdout
            self.runs += 1
            done = subprocess.run([*head, "-f", "nut", "-i", "pipe:0", "-filter_complex", trial_text, *maps,
                                   "-c:v", "gif", "-f", "framecrc", "-"], input=frames, capture_output=True,
                                  timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0:
            return None
        sizes = [0] * count
        for line in done.stdout.decode(errors="replace").splitlines():
            fields = [f.strip() for f in line.split(",")]
            if len(fields) >= 6 and not line.startswith("#"):
                sizes[int(fields[0])] += int(fields[4])
        scores = [float(score) for _, score in
                  sorted((int(n), s) for n, s in _SSIM.findall(done.stderr.decode(errors="replace")))]
        if len(scores) != count:
            return None
        return list(zip(sizes, scores))


__all__ = ["SAMPLE_FRAMES", "SAMPLE_SPAN", "TIMEOUT", "SampledPaletteTrials", "trial_graph"]
