"""Redraw the README's pictures of what ffx makes: each shipped recipe rendered, then a strip of six
frames of the result (ffx's own contact sheet). No media of anyone's: the inputs are generated.

    python tools/readme_pictures.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import ffx
from ffx.ffmpeg.binary import find_ffmpeg

ROOT = Path(__file__).resolve().parent.parent
STRIP = ROOT / "recipes" / "contact-sheet.yaml"


def strip(result: Path, picture: Path) -> None:
    ffx.render(str(STRIP), inputs=[str(result)], output=str(picture), overwrite=True,
               variables={"columns": 6, "rows": 1, "width": 900})


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        clip = work / "clip.mp4"  # FFmpeg's Mandelbrot zoom stands in for a film
        subprocess.run([find_ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "mandelbrot=size=640x360:rate=25",
                        "-t", "4", "-y", str(clip)], check=True)
        made = {
            "gif": ffx.render(str(ROOT / "recipes" / "gif.yaml"), inputs=[str(clip)], output=str(work / "a.gif")),
            "reel": ffx.render(str(ROOT / "recipes" / "highlight-reel.yaml"), output=str(work / "reel.mp4")),
            "boomerang": ffx.render(str(ROOT / "recipes" / "demo.yaml"), output=str(work / "demo.mp4")),
        }
        for name, plan in made.items():
            strip(Path(plan.stages[-1].output_path), ROOT / "docs" / f"readme-{name}.png")
            print(f"docs/readme-{name}.png")


if __name__ == "__main__":
    main()
