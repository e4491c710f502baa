"""YUV4MPEG2 (.y4m) videos for Chromium's fake camera (`--use-file-for-fake-video-capture`).

Pure Python + Pillow. A y4m file is one text header line, then for each frame a
``FRAME`` line and the raw planes: Y at full size, then Cb and Cr at half width and
half height (4:2:0, ``C420jpeg``: full-range BT.601, which is what Pillow's ``YCbCr``
mode produces). Chromium loops the file, so a handful of frames is a camera that
keeps filming.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFilter

MAGIC = b"YUV4MPEG2"


@dataclass(frozen=True)
class Y4MInfo:
    width: int
    height: int
    fps: tuple[int, int]
    colorspace: str
    frames: int


def camera_frame(
    subject: Image.Image,
    size: tuple[int, int] = (640, 480),
    fill: float = 0.7,
    background: tuple[int, int, int] = (150, 120, 90),
    blur: float = 0.6,
) -> Image.Image:
    """What a phone held over `subject` sees: it centred on a (wood-coloured) background,
    `fill` of the frame's width (or height), slightly out of focus."""
    width, height = size
    scale = min(width * fill / subject.width, height * fill / subject.height)
    shown = subject.convert("RGB").resize(
        (max(1, round(subject.width * scale)), max(1, round(subject.height * scale))), Image.Resampling.LANCZOS
    )
    frame = Image.new("RGB", size, background)
    frame.paste(shown, ((width - shown.width) // 2, (height - shown.height) // 2))
    return frame.filter(ImageFilter.GaussianBlur(blur)) if blur else frame


def frame_bytes(image: Image.Image) -> bytes:
    """One frame's planes: Y (w x h), Cb and Cr (w/2 x h/2)."""
    if image.width % 2 or image.height % 2:
        raise ValueError(f"4:2:0 needs even dimensions, not {image.width}x{image.height}")
    y, cb, cr = image.convert("RGB").convert("YCbCr").split()
    half = (image.width // 2, image.height // 2)
    return (
        y.tobytes() + cb.resize(half, Image.Resampling.BOX).tobytes() + cr.resize(half, Image.Resampling.BOX).tobytes()
    )


def write_y4m(path: Path | str, frames: Iterable[Image.Image], fps: int = 10) -> Y4MInfo:
    """Write `frames` (all of one size) as a C420jpeg y4m file."""
    frames = list(frames)
    if not frames:
        raise ValueError("a video needs at least one frame")
    width, height = frames[0].size
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for frame in frames:
            if frame.size != (width, height):
                raise ValueError(f"frame of {frame.size} in a {width}x{height} video")
            out.write(b"FRAME\n")
            out.write(frame_bytes(frame))
    return Y4MInfo(width, height, (fps, 1), "420jpeg", len(frames))


def _parse_header(line: bytes) -> tuple[int, int, tuple[int, int], str]:
    tokens = line.decode("ascii").split()
    if not tokens or tokens[0] != MAGIC.decode():
        raise ValueError("not a YUV4MPEG2 file")
    width = height = None
    fps, colorspace = (25, 1), "420jpeg"  # y4m's defaults
    for token in tokens[1:]:
        key, value = token[0], token[1:]
        if key == "W":
            width = int(value)
        elif key == "H":
            height = int(value)
        elif key == "F":
            num, den = value.split(":")
            fps = (int(num), int(den))
        elif key == "C":
            colorspace = value
    if width is None or height is None:
        raise ValueError("the header has no W or H")
    if not colorspace.startswith("420"):
        raise ValueError(f"only 4:2:0 is supported, not C{colorspace}")
    return width, height, fps, colorspace


def read_y4m(path: Path | str) -> tuple[Y4MInfo, list[Image.Image]]:
    """Parse a 4:2:0 y4m file back into its header and its frames' luma (mode "L")."""
    data = Path(path).read_bytes()
    end = data.index(b"\n")
    width, height, fps, colorspace = _parse_header(data[:end])
    luma, chroma = width * height, (width // 2) * (height // 2)
    frames: list[Image.Image] = []
    pos = end + 1
    while pos < len(data):
        line_end = data.index(b"\n", pos)
        if not data[pos:line_end].startswith(b"FRAME"):
            raise ValueError(f"expected FRAME at byte {pos}")
        pos = line_end + 1
        if pos + luma + 2 * chroma > len(data):
            raise ValueError("truncated frame")
        frames.append(Image.frombytes("L", (width, height), data[pos : pos + luma]))
        pos += luma + 2 * chroma
    return Y4MInfo(width, height, fps, colorspace, len(frames)), frames
