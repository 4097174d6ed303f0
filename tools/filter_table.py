"""Regenerate ffx/filtergraph/filter_table.py from an FFmpeg binary's own filter help.

    python tools/filter_table.py [FFMPEG]

It records, for the FFmpeg it is run with (about a minute on two cores):

- every filter FFmpeg lists, and its pads (``-filters``: ``VV->V``, ``N`` for
  a number that depends on the options, ``|`` for none);
- every option of every filter (``-h filter=NAME``): its type, its range and,
  for numbers and flags, the names of its constants;
- the options that touch the outside world: every option whose value is text
  and whose name or help mentions a file, path, URL, socket, device, plugin,
  model, script or font (under all its aliases: ``f`` is ``filename`` for
  sendcmd but ``stats_file`` for psnr). Whole filters that read, write, listen
  or load code are listed in UNSAFE_FILTERS by hand in ffx/filtergraph/safety.py;
- which options a filter cannot start without. FFmpeg marks none as required,
  so each reviewed filter is run once without options on a tiny generated
  input; where its initialisation fails, it is run again with each option that
  has no default set alone, and the options that let it start are recorded
  (any one of them suffices). Those runs happen in a scratch folder;
- for filters whose number of inputs depends on the options, how many they
  take by default (run with 1 to 4 inputs) and which option sets the number;
  the same for outputs (the most output labels FFmpeg accepts, up to 4).

Review the diff before committing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ffx.ffmpeg.binary import find_ffmpeg  # noqa: E402
from ffx.filtergraph.safety import UNSAFE_FILTERS, UNSAFE_OPTIONS, hardware_filter  # noqa: E402

WORLD = re.compile(r"file|path|url|socket|device|director|model|plugin|librar|command|script|load|save|dump|"
                   r"\blog\b|write|read|address|port|http|shader|lut",
                   re.I)
WORLD_NAME = re.compile(r"^font(file|sdir)?$|^log_|log$")  # fonts are looked up on disk by name
TEXT_TYPES = ("string", "binary", "dictionary")

# "   name  <type>  flags help" in a filter's own section; "  -name <type> ..." in the sections of the
# libraries it hands options to (aresample: SWResampler, scale: SWScaler); "[<type>]" is an array
# option (FFmpeg 7+: aformat's sample_fmts), recorded as type "[type]", its items '|'-separated
OPTION_LINE = re.compile(r"^  [ -](\S+)\s+(\[<\w+>\s*\]|<\w+>)\s*\S+\s*(.*)$")
CONSTANT_LINE = re.compile(r"^     (\S+)\s+(?:\S+\s+)?[.A-Z]{11}(?:\s|$)")  # flags' constants have no value
RANGE = re.compile(r"\(from (\S+) to (\S+)\)")
DEFAULT = re.compile(r"\(default (.*)\)\s*$")
LIMITS = {"INT_MAX": 2**31 - 1, "INT_MIN": -2**31, "I64_MAX": 2**63 - 1, "I64_MIN": -2**63,
          "UINT32_MAX": 2**32 - 1, "DBL_MAX": 1.7976931348623157e308, "-DBL_MAX": -1.7976931348623157e308,
          "FLT_MAX": 3.4028234663852886e38, "-FLT_MAX": -3.4028234663852886e38,
          "DBL_MIN": 2.2250738585072014e-308, "FLT_MIN": 1.1754943508222875e-38}

# the tiny inputs a filter is tried on
PROBE_INPUT = {"V": "color=s=64x64:r=25:d=0.2,format=yuv420p", "A": "sine=r=48000:d=0.2,aformat=channel_layouts=stereo"}
# a value of each type for trying an option alone; text "1" is also a valid expression
SAMPLE = {"string": "1", "binary": None, "dictionary": None, "image_size": "64x64", "video_rate": "25",
          "color": "white", "duration": "1", "rational": "1", "pix_fmt": "yuv420p", "sample_fmt": "s16",
          "channel_layout": "stereo", "int": "1", "int64": "1", "unsigned": "1", "float": "1", "double": "1",
          "boolean": "1", "flags": None}
INIT_FAILED = ("Error initializing filter", "Error applying option", "Error initializing filters")
COUNT_OPTIONS = ("inputs", "nb_inputs")  # options that set how many inputs a dynamic filter has

# Expression options (text to FFmpeg, so without a range in its table) where a plain number has a
# known sane range, reviewed by hand. volume: FFmpeg's AAC encoder stalls for minutes on gains of
# 1e9-1e11 and fails with "Input contains (near) NaN/+-Inf" from 1e12; +120 dB is far beyond any use.
REVIEWED_RANGES = {("volume", "volume"): (0, 1e6)}


def run(ffmpeg: str, *args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([ffmpeg, "-hide_banner", "-nostdin", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=60)


def parse_help(help_text: str) -> tuple[dict, bool]:
    """Options (name -> type, min, max, constants, default) and whether the filter takes ``enable``."""
    options: dict[str, list] = {}
    last = None
    for line in help_text.splitlines():
        option = OPTION_LINE.match(line)
        if option:
            name, written, text = option.groups()
            kind = re.sub(r"[<>\s]", "", written)  # "<int>" -> "int", "[<sample_fmt> ]" -> "[sample_fmt]"
            span = RANGE.search(text)
            low, high = (None, None) if not span else (_limit(span.group(1)), _limit(span.group(2)))
            default = DEFAULT.search(text)
            options[name] = last = [kind, low, high, [], default.group(1) if default else None, text]
            continue
        constant = CONSTANT_LINE.match(line)
        if constant and last is not None:
            last[3].append(constant.group(1))
        elif not line.startswith("     "):
            last = None
    # colours that FFmpeg takes as text (drawbox's color and its alias c) are checked as colours
    colours = {(v[0], v[5]) for o, v in options.items() if v[0] == "string" and re.search(r"colou?r$", o)}
    for values in options.values():
        if (values[0], values[5]) in colours:
            values[0] = "color"
    return options, "support for timeline" in help_text


def _limit(token: str) -> int | float:
    if token in LIMITS:
        return LIMITS[token]
    number = float(token)
    return int(number) if number.is_integer() and abs(number) < 2**63 else number


def probe_graph(name: str, io: str, options: str = "", inputs: int | None = None) -> str:
    ins, _ = io.split("->")
    kinds = ("V" if io.endswith("V") else "A") * inputs if inputs else ins.replace("|", "")
    sources = [f"{PROBE_INPUT[kind]}[i{n}]" for n, kind in enumerate(kinds)]
    labels = "".join(f"[i{n}]" for n in range(len(kinds)))
    return ";".join(sources + [f"{labels}{name}{'=' + options if options else ''}"])


def probe(ffmpeg: str, scratch: str, name: str, io: str, options: str = "", inputs: int | None = None) -> str:
    """FFmpeg's complaint when the filter runs on tiny inputs, or '' when it runs."""
    done = run(ffmpeg, "-loglevel", "error", "-filter_complex", probe_graph(name, io, options, inputs),
               "-t", "0.2", "-f", "null", "-", cwd=scratch)
    return "" if done.returncode == 0 else done.stderr


def init_failure(stderr: str) -> str | None:
    """FFmpeg's reason when the filter could not initialise (not: when the tiny input did not suit it)."""
    if not any(marker in stderr for marker in INIT_FAILED):
        return None
    reasons = [re.sub(r"^\[\S+ @ 0x[0-9a-f]+\] ", "", line) for line in stderr.splitlines()
               if line.startswith("[Parsed_")]
    return reasons[0] if reasons else ""


def required_options(ffmpeg: str, scratch: str, name: str, io: str, options: dict) -> tuple[tuple, str] | None:
    reason = init_failure(probe(ffmpeg, scratch, name, io))
    if reason is None:
        return None
    groups: dict[tuple, list[str]] = {}  # aliases share type and help
    for option, (kind, _, _, constants, default, text) in options.items():
        groups.setdefault((kind, text), []).append(option)
    enough = []
    for (kind, text), names in groups.items():
        value = SAMPLE.get(kind)
        if value is None or options[names[0]][4] is not None or names[0] in UNSAFE_OPTIONS:
            continue
        if init_failure(probe(ffmpeg, scratch, name, io, f"{names[0]}={value}")) is None:
            enough += names
    return tuple(sorted(enough)), reason


def default_inputs(ffmpeg: str, scratch: str, name: str, io: str) -> int | None:
    for count in range(1, 5):
        stderr = probe(ffmpeg, scratch, name, io, inputs=count)
        if "unused" not in stderr and "More input link labels" not in stderr and "Too many inputs" not in stderr:
            return count
    return None


def default_outputs(ffmpeg: str, scratch: str, name: str, io: str) -> int | None:
    """How many outputs the filter has without options: the most labels FFmpeg lets it take."""
    most = None
    for count in range(1, 5):
        labels = "".join(f"[o{n}]" for n in range(count))
        maps = [arg for n in range(count) for arg in ("-map", f"[o{n}]")]
        done = run(ffmpeg, "-loglevel", "error", "-filter_complex", probe_graph(name, io) + labels, *maps,
                   "-t", "0.2", "-f", "null", "-", cwd=scratch)
        if "More output link labels" in done.stderr:
            break
        most = count
    return most if most and most < 4 else None  # no limit found: it depends on options it needs


def reviewed(name: str) -> bool:
    return name not in UNSAFE_FILTERS and not hardware_filter(name)


def name_set(variable: str, names: list[str]) -> list[str]:
    lines, row = [f"{variable} = frozenset({{"], "   "
    for name in names:
        item = f" {name!r},"
        if len(row) + len(item) > 118:
            lines.append(row)
            row = "   "
        row += item
    return lines + [row, "})"]


def main() -> None:
    ffmpeg = sys.argv[1] if len(sys.argv) > 1 else find_ffmpeg()
    listing = run(ffmpeg, "-filters").stdout
    version = run(ffmpeg, "-version").stdout.split()[2]
    pads = {m.group(2): m.group(3) for m in re.finditer(r"^ ([T.])[S.C]{1,2} (\S+)\s+(\S*->\S*)", listing, re.M)}
    names = sorted(pads)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        helps = dict(zip(names, pool.map(lambda n: run(ffmpeg, "-h", f"filter={n}").stdout, names)))
    parsed = {name: parse_help(helps[name]) for name in names}

    touching: dict[str, list[str]] = {}
    for name in names:
        options = parsed[name][0]
        # aliases share their help text: group by (type, help)
        flagged_help = {(v[0], v[5]) for o, v in options.items()
                        if v[0] in TEXT_TYPES and (WORLD.search(o) or WORLD.search(v[5]) or WORLD_NAME.search(o))}
        flagged = sorted({o for o, v in options.items() if (v[0], v[5]) in flagged_help})
        if flagged:
            touching[name] = flagged

    tried = [n for n in names if reviewed(n) and not pads[n].startswith("N") and not pads[n].endswith("|")]
    dynamic = [n for n in names if reviewed(n) and pads[n].startswith("N") and not pads[n].endswith(("N", "|"))]
    splitting = [n for n in names if reviewed(n) and pads[n].endswith("->N") and not pads[n].startswith(("N", "|"))]
    with tempfile.TemporaryDirectory() as scratch, ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        required = dict(zip(tried, pool.map(
            lambda n: required_options(ffmpeg, scratch, n, pads[n], parsed[n][0]), tried)))
        counts = dict(zip(dynamic, pool.map(lambda n: default_inputs(ffmpeg, scratch, n, pads[n]), dynamic)))
        outs = dict(zip(splitting, pool.map(lambda n: default_outputs(ffmpeg, scratch, n, pads[n]), splitting)))
        left = os.listdir(scratch)
    if left:
        sys.exit(f"filters wrote files when run without options: {left}; list them in ffx/filtergraph/safety.py")

    lines = [
        f'"""Generated by tools/filter_table.py from FFmpeg {version}: do not edit by hand.',
        "",
        "KNOWN_FILTERS: every filter that FFmpeg build lists (others are refused in raw steps).",
        "WORLD_OPTIONS: per filter, the text options (and their aliases) that name files, devices,",
        "sockets, plugins or fonts; a raw step may not set them.",
        "PADS: per filter, its inputs -> outputs: V video, A audio, N a number set by options, | none.",
        "TIMELINE: the filters that take ``enable``.",
        "OPTIONS: per reviewed filter, option -> [type, min, max, constants]; min/max null where FFmpeg",
        "states no range (text, and expressions), except the ranges reviewed by hand in the generator.",
        "REQUIRED: per filter that cannot start without options: the options any one of which lets it",
        "start (empty: none alone does), and FFmpeg's complaint.",
        "DYNAMIC_INPUTS: per filter with a variable number of inputs: the default number, the option.",
        'DYNAMIC_OUTPUTS: the same for outputs."""',
        "",
        f"FFMPEG_VERSION = {version!r}",
        "",
    ]
    lines += name_set("KNOWN_FILTERS", names)
    lines += ["", "WORLD_OPTIONS: dict[str, frozenset[str]] = {"]
    for name, options in touching.items():
        lines.append(f"    {name!r}: frozenset({options!r}),")
    lines += ["}", "", "PADS: dict[str, str] = {"]
    lines += [f"    {name!r}: {pads[name]!r}," for name in names]
    lines += ["}", ""] + name_set("TIMELINE", [n for n in names if parsed[n][1]])
    lines += ["", "# one filter a line: its name, then its options as JSON (parsed only when a raw step uses it)",
              'OPTIONS = r"""']
    for name in names:
        if not reviewed(name):
            continue
        table = {}
        for option, (kind, low, high, constants, _, _) in parsed[name][0].items():
            low, high = REVIEWED_RANGES.get((name, option), (low, high))
            table[option] = [kind, low, high, constants]
        lines.append(f"{name} {json.dumps(table, separators=(',', ':'))}")
    lines += ['"""', "", "REQUIRED: dict[str, tuple[tuple[str, ...], str]] = {"]
    lines += [f"    {name!r}: {found!r}," for name, found in required.items() if found is not None]
    lines += ["}", "", "DYNAMIC_INPUTS: dict[str, tuple[int | None, str | None]] = {"]
    for name, count in counts.items():
        option = next((o for o in COUNT_OPTIONS if parsed[name][0].get(o, ["?"])[0] == "int"), None)
        lines.append(f"    {name!r}: ({count!r}, {option!r}),")
    lines += ["}", "", "DYNAMIC_OUTPUTS: dict[str, tuple[int | None, str | None]] = {"]
    for name, count in outs.items():
        option = "outputs" if parsed[name][0].get("outputs", ["?"])[0] == "int" else None
        lines.append(f"    {name!r}: ({count!r}, {option!r}),")
    lines.append("}")
    target = Path(__file__).resolve().parent.parent / "ffx" / "filtergraph" / "filter_table.py"
    target.write_text("\n".join(lines) + "\n")
    print(f"{target}: {len(names)} filters, {len(touching)} with world-touching options, "
          f"{sum(r is not None for r in required.values())} of {len(tried)} tried need options, "
          f"{len(counts)} with a variable number of inputs, {len(outs)} of outputs")


if __name__ == "__main__":
    main()
