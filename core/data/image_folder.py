"""Image folders: a folder with one sub-folder per class of PNG or JPEG images,
read into one float32 array of shape (images, height, width, channels) with
Pillow. `scan_folder` lists the image files and their classes (and what is not
an image); `read_sizes` reads only the headers, so that `fit_image_spec` can
choose the most common size and the colour when the user has not; `ImageSpec`
(the fitted, JSON-able choice: size, grayscale or RGB, scaling to [0, 1])
decodes files into the array. Nothing is lost silently: a corrupt file is
skipped and counted, a file that is not an image is ignored and counted, an
empty class folder is reported, and images of another size are resized and
counted (`FolderReport.notices` says all of it in plain words)."""

from __future__ import annotations

import os
import stat
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ConfigError, DataError, FormatError

KIND = "images"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
COLORS = ("grayscale", "rgb")
#: An image with more pixels than this is skipped (a decompression bomb, or a photo far
#: beyond what a network here is trained on).
MAX_IMAGE_PIXELS = 50_000_000
#: The largest side of an image size (chosen or suggested).
MAX_SIDE = 1024
#: A suggested size (the most common one) is shrunk to this longest side.
SUGGESTED_MAX_SIDE = 128
#: Pillow modes that hold one channel.
_GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F", "La"})
#: How many file names a notice lists before "and N more".
_SHOWN = 3


def _shown(names: Sequence[str]) -> str:
    head = ", ".join(names[:_SHOWN])
    return head + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


# --------------------------------------------------------------------------- options


def _parse_size(value: Any, error: type[Exception]) -> tuple[int, int]:
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not all(1 <= int(v) <= MAX_SIDE for v in value)
    ):
        raise error(
            f"Expected an image size as [height, width], whole numbers from 1 to {MAX_SIDE}. "
            f"Received: {value!r}."
        )
    return int(value[0]), int(value[1])


@dataclass(frozen=True)
class ImageOptions:
    """The user's choices for an image folder (`DataConfig.input`); None = suggested."""

    size: tuple[int, int] | None = None
    color: str | None = None
    scale: bool = True

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImageOptions:
        unknown = sorted(set(d) - {"kind", "size", "color", "scale"})
        if unknown:
            raise ConfigError(
                "Expected image settings among ['color', 'kind', 'scale', 'size']. Received "
                f"unknown keys: {unknown}."
            )
        size = d.get("size")
        color = d.get("color")
        if color is not None and color not in COLORS:
            raise ConfigError(f"Expected color in {COLORS} or null. Received: {color!r}.")
        scale = d.get("scale", True)
        if not isinstance(scale, bool):
            raise ConfigError(f"Expected scale true or false. Received: {scale!r}.")
        return cls(None if size is None else _parse_size(size, ConfigError), color, scale)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "size": list(self.size) if self.size is not None else None,
            "color": self.color,
            "scale": self.scale,
        }


# --------------------------------------------------------------------------- the folder


@dataclass
class FolderScan:
    """The files under an image folder, by kind.

    `files` are the image files (by suffix) in a stable order, `labels` the index of
    each one's class in `classes` (-1: not inside a class folder), `non_images` the
    other files, `empty_classes` the class folders without one image file.
    """

    root: str
    classes: tuple[str, ...]
    files: list[str]
    labels: np.ndarray
    non_images: list[str] = field(default_factory=list)
    empty_classes: list[str] = field(default_factory=list)

    def relative(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return Path(path).name


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _walk_files(folder: str) -> list[str]:
    """Every regular file under `folder` (not following folder links), sorted."""
    found: list[str] = []
    for here, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        found.extend(os.path.join(here, n) for n in sorted(names))
    return found


def scan_folder(path: str | os.PathLike[str]) -> FolderScan:
    """The image files under `path` and their classes (the first-level sub-folder).

    A single image file is a folder of one unlabelled image. Hidden sub-folders
    (".git") are not classes. Raises DataError when `path` is neither.
    """
    root = Path(path)
    try:
        is_dir = root.is_dir()
        is_file = not is_dir and root.is_file()
    except OSError as exc:
        raise DataError(
            f"Expected an image folder. Received: a path that cannot be read ({exc}).",
            path=str(path),
        ) from None
    if is_file:
        if root.suffix.lower() not in IMAGE_SUFFIXES:
            raise DataError(
                f"Expected a PNG or JPEG image, or a folder of them. Received: a "
                f"'{root.suffix or 'no suffix'}' file.",
                path=str(path),
            )
        return FolderScan(str(root.parent), (), [str(root)], np.full(1, -1, np.int64))
    if not is_dir:
        raise DataError(
            "Expected an image folder (one sub-folder per class). Received: a path that does "
            "not exist. Check the path.",
            path=str(path),
        )
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as exc:
        raise DataError(
            f"Expected a readable image folder. Received: {exc.strerror or exc}.",
            path=str(path),
        ) from None
    class_dirs = [
        e.name for e in entries if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")
    ]
    files: list[str] = []
    labels: list[int] = []
    non_images: list[str] = []
    classes: list[str] = []
    empty: list[str] = []

    def take(candidates: list[str], label: int) -> int:
        count = 0
        for f in candidates:
            if Path(f).suffix.lower() in IMAGE_SUFFIXES and _is_regular(f):
                files.append(f)
                labels.append(label)
                count += 1
            else:
                non_images.append(f)
        return count

    for e in entries:
        if not e.is_dir(follow_symlinks=False):
            take([os.path.join(root, e.name)], -1)
    for name in class_dirs:
        if take(_walk_files(os.path.join(root, name)), len(classes)):
            classes.append(name)
        else:
            empty.append(name)
    scan = FolderScan(str(root), tuple(classes), files, np.asarray(labels, np.int64))
    scan.non_images = [scan.relative(f) for f in non_images]
    scan.empty_classes = empty
    return scan


# --------------------------------------------------------------------------- decoding


def read_sizes(files: Sequence[str]) -> list[tuple[tuple[int, int], bool] | str]:
    """Per file, ((width, height), grayscale?) from its header, or why it cannot be read."""
    from PIL import Image

    out: list[tuple[tuple[int, int], bool] | str] = []
    for f in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(f) as im:
                    size = (int(im.size[0]), int(im.size[1]))
                    gray = im.mode in _GRAY_MODES
        except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds on bad bytes
            out.append(_reason(exc))
            continue
        if size[0] < 1 or size[1] < 1:
            out.append("it has no pixels")
        elif size[0] * size[1] > MAX_IMAGE_PIXELS:
            out.append(f"it is too large ({size[0]}x{size[1]} pixels)")
        else:
            out.append((size, gray))
    return out


def _reason(exc: BaseException) -> str:
    from PIL import UnidentifiedImageError

    if isinstance(exc, UnidentifiedImageError):
        return "its contents are not an image Pillow can read"
    if isinstance(exc, OSError) and "truncated" in str(exc):
        return "it is truncated"
    return f"it cannot be decoded ({type(exc).__name__})"


@dataclass(frozen=True)
class ImageSpec:
    """Fitted: every image becomes `height` x `width` pixels, grayscale (1 channel) or RGB
    (3), divided by 255 when `scale` (values in [0, 1]) or kept in 0..255."""

    height: int
    width: int
    color: str = "grayscale"
    scale: bool = True
    kind: str = KIND

    @property
    def channels(self) -> int:
        return 1 if self.color == "grayscale" else 3

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.height, self.width, self.channels)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` preprocessed images (as `decode` gives them) to check an export on."""
        x = rng.random((n, *self.input_shape)).astype(np.float32)
        return x if self.scale else np.round(x * np.float32(255.0))

    def describe(self) -> str:
        scaled = "divided by 255 (values 0 to 1)" if self.scale else "kept as 0 to 255"
        return (
            f"each image read with Pillow, converted to {self.color}, resized to "
            f"{self.height}x{self.width} (bilinear) and {scaled}"
        )

    def shape_table(
        self, df: Any, flat: np.ndarray, *, path: str | None = None, header_lines: int = 1
    ) -> np.ndarray:
        """A model trained on an image folder reads image files, not table rows."""
        raise DataError(
            "Expected image files: this model was trained on an image folder. Received: a "
            "table. Pass a folder of PNG or JPEG images (or one image file) instead.",
            path=path,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "size": [self.height, self.width],
            "color": self.color,
            "scale": self.scale,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImageSpec:
        h, w = _parse_size(d.get("size"), FormatError)
        color = d.get("color")
        if color not in COLORS or not isinstance(d.get("scale", True), bool):
            raise FormatError(
                f"Expected image color in {COLORS} and scale true or false. Received: "
                f"{color!r}, {d.get('scale')!r}."
            )
        return cls(h, w, str(color), bool(d.get("scale", True)))

    def decode(self, path: str) -> tuple[np.ndarray, bool] | str:
        """One file as a (height, width, channels) float32 array and whether it was
        resized, or why it cannot be read."""
        from PIL import Image

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(path) as im:
                    w, h = im.size
                    if w * h > MAX_IMAGE_PIXELS:
                        return f"it is too large ({w}x{h} pixels)"
                    img = im.convert("L" if self.channels == 1 else "RGB")
                    resized = img.size != (self.width, self.height)
                    if resized:
                        img = img.resize((self.width, self.height), Image.Resampling.BILINEAR)
                    arr = np.asarray(img, dtype=np.float32)
        except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds on bad bytes
            return _reason(exc)
        arr = arr.reshape(self.input_shape)
        if self.scale:
            arr = arr / np.float32(255.0)
        return arr, resized

    def load(self, files: Sequence[str], *, owner: str = "the image folder") -> Decoded:
        """Decode `files` into one array; files that cannot be read are skipped and listed."""
        from core.resources import check_allocation

        check_allocation(
            owner, "images", (len(files), *self.input_shape), fix="Choose a smaller image size."
        )
        x = np.empty((len(files), *self.input_shape), dtype=np.float32)
        ok: list[int] = []
        skipped: list[tuple[str, str]] = []
        resized = 0
        for i, f in enumerate(files):
            got = self.decode(f)
            if isinstance(got, str):
                skipped.append((f, got))
                continue
            x[len(ok)] = got[0]
            resized += got[1]
            ok.append(i)
        return Decoded(x[: len(ok)], np.asarray(ok, np.int64), skipped, resized)


@dataclass
class Decoded:
    """Images decoded by `ImageSpec.load`: `x` holds the files at positions `ok`."""

    x: np.ndarray
    ok: np.ndarray
    skipped: list[tuple[str, str]]
    resized: int


def fit_image_spec(
    headers: Sequence[tuple[tuple[int, int], bool] | str], options: ImageOptions
) -> ImageSpec:
    """The size and colour to use: the user's, else the most common size (longest side at
    most `SUGGESTED_MAX_SIDE`) and grayscale when every image is grayscale."""
    readable = [h for h in headers if not isinstance(h, str)]
    if options.size is not None:
        height, width = options.size
    elif readable:
        (w, h), _count = Counter(size for size, _ in readable).most_common(1)[0]
        longest = max(w, h)
        if longest > SUGGESTED_MAX_SIDE:
            w = max(1, round(w * SUGGESTED_MAX_SIDE / longest))
            h = max(1, round(h * SUGGESTED_MAX_SIDE / longest))
        height, width = h, w
    else:
        height = width = 32
    color = options.color or (
        "grayscale" if readable and all(gray for _, gray in readable) else "rgb"
    )
    return ImageSpec(int(height), int(width), color, options.scale)


# --------------------------------------------------------------------------- report


@dataclass
class FolderReport:
    """What reading an image folder found, for the notices and the Data panel."""

    root: str
    spec: ImageSpec
    per_class: dict[str, int]
    skipped: list[tuple[str, str]]
    non_images: list[str]
    empty_classes: list[str]
    outside: list[str]
    resized: int
    sizes: Counter[tuple[int, int]]

    @property
    def n_images(self) -> int:
        return sum(self.per_class.values())

    def notices(self) -> list[str]:
        """Plain sentences: what was skipped, ignored, left out or resized."""
        out: list[str] = []
        if self.skipped:
            first = "; ".join(f"{p}: {why}" for p, why in self.skipped[:_SHOWN])
            more = f"; and {len(self.skipped) - _SHOWN} more" if len(self.skipped) > _SHOWN else ""
            out.append(
                f"skipped {len(self.skipped)} image file(s) that cannot be read ({first}{more})"
            )
        if self.non_images:
            out.append(
                f"ignored {len(self.non_images)} file(s) that are not PNG or JPEG images "
                f"({_shown(self.non_images)})"
            )
        if self.outside:
            out.append(
                f"ignored {len(self.outside)} image(s) outside the class folders "
                f"({_shown(self.outside)}); put each image in its class's folder"
            )
        for name in self.empty_classes:
            out.append(f"the class folder '{name}' holds no images; it is left out")
        if self.resized:
            kinds = ", ".join(f"{w}x{h} ({n})" for (w, h), n in self.sizes.most_common(4))
            out.append(
                f"resized {self.resized} of {self.n_images} image(s) to "
                f"{self.spec.height}x{self.spec.width} (width x height found: {kinds})"
            )
        return out


def read_image_folder(
    path: str | os.PathLike[str], options: ImageOptions
) -> tuple[np.ndarray, np.ndarray, FolderReport, FolderScan]:
    """(images, class codes, report, scan) of a labelled image folder for training.

    DataError when there is no class folder, fewer than two classes with images, or no
    image that can be read.
    """
    scan = scan_folder(path)
    where = str(path)
    outside = [scan.relative(f) for f, k in zip(scan.files, scan.labels, strict=True) if k < 0]
    if not scan.classes:
        found = f"{len(scan.files)} image(s) and {len(scan.non_images)} other file(s)"
        raise DataError(
            "Expected one sub-folder per class, each holding that class's PNG or JPEG images. "
            f"Received: a folder without class folders holding images ({found} at the top"
            + (f"; empty class folders: {_shown(scan.empty_classes)}" if scan.empty_classes else "")
            + "). Put the images of each class in a sub-folder named after the class.",
            path=where,
        )
    labelled = [i for i, k in enumerate(scan.labels) if k >= 0]
    files = [scan.files[i] for i in labelled]
    codes = scan.labels[labelled]
    headers = read_sizes(files)
    spec = fit_image_spec(headers, options)
    readable = [i for i, h in enumerate(headers) if not isinstance(h, str)]
    skipped = [(scan.relative(files[i]), h) for i, h in enumerate(headers) if isinstance(h, str)]
    decoded = spec.load([files[i] for i in readable])
    skipped += [(scan.relative(f), why) for f, why in decoded.skipped]
    kept = np.asarray(readable, np.int64)[decoded.ok]
    codes = codes[kept]
    sizes: Counter[tuple[int, int]] = Counter(
        headers[i][0]  # type: ignore[index]
        for i in kept
    )
    present = np.unique(codes)
    classes = [scan.classes[k] for k in present]
    per_class = {name: int((codes == k).sum()) for name, k in zip(classes, present, strict=True)}
    empty = list(scan.empty_classes) + [c for c in scan.classes if c not in per_class]
    report = FolderReport(
        scan.root, spec, per_class, skipped, scan.non_images, empty, outside, decoded.resized, sizes
    )
    if len(per_class) < 2:
        raise DataError(
            "Expected at least two class folders with readable images. Received: "
            + (f"only '{classes[0]}' ({report.n_images} image(s))" if classes else "none")
            + (
                f"; {len(skipped)} file(s) could not be read, first {skipped[0][0]}: "
                f"{skipped[0][1]}"
                if skipped
                else ""
            )
            + ". Add a folder of images for each class.",
            path=where,
        )
    # class codes renumbered to the classes that kept images, in folder order
    remap = np.full(len(scan.classes), -1, np.int64)
    remap[present] = np.arange(len(present))
    return decoded.x, remap[codes], report, scan


def class_thumbnails(
    scan: FolderScan, per_class: int = 6, side: int = 48
) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Up to `per_class` thumbnails per class for a view: (file relative to the folder,
    uint8 RGB array whose longest side is `side`), in file order; unreadable files are
    left out (the report counts them)."""
    from PIL import Image

    out: dict[str, list[tuple[str, np.ndarray]]] = {name: [] for name in scan.classes}
    for f, k in zip(scan.files, scan.labels, strict=True):
        if k < 0 or len(out[scan.classes[k]]) >= per_class:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(f) as im:
                    if im.size[0] * im.size[1] > MAX_IMAGE_PIXELS:
                        continue
                    img = im.convert("RGB")
                    img.thumbnail((side, side), Image.Resampling.NEAREST)
                    pixels = np.asarray(img, dtype=np.uint8).copy()
        except Exception:  # noqa: BLE001 - Pillow raises many kinds on bad bytes
            continue
        out[scan.classes[k]].append((scan.relative(f), pixels))
    return out
