"""Render the demo workbook's tabs to PNG files for the documentation.

Usage::

    python docs/images/render.py RENDERER

RENDERER is a command that prints each tab of a workbook to PNG files, one per page:
``RENDERER BOOK.xlsx OUTDIR`` (for instance LibreOffice Calc converting to PDF, then
poppler's ``pdftoppm``). The script builds the demo workbook in a temporary folder the
way ``sheets-keepup demo`` does, syncs it and writes the weekly digest and the health tab
as of a fixed Monday (so the pictures only change when the product does), then renders
each tab on its own and writes ``contacts.png``, ``log.png``, ``this-week.png`` and
``keepup.png`` beside this script.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from sheets_keepup.app.run import SyncRun
from sheets_keepup.backends import open_backend
from sheets_keepup.backends.xlsx import write_new_workbook
from sheets_keepup.core.sample import sample_setup, sample_tabs
from sheets_keepup.core.settings import default_config

DAY = dt.date(2026, 11, 23)
"""A Monday, the default digest day, so that the run writes the digest."""
HOUR = 8
BOOK = "sheets-keepup-demo.xlsx"
HERE = Path(__file__).resolve().parent
MARGIN = 24
"""Pixels of white kept around a tab's content when the page is cropped to it."""


def build_demo(folder: Path) -> Path:
    """The demo workbook after one nightly run on DAY: contacts synced, digest, health."""
    path = folder / BOOK
    config = default_config(path)
    write_new_workbook(path, sample_tabs(DAY), overwrite=True, setups=sample_setup())
    now = dt.datetime(DAY.year, DAY.month, DAY.day, HOUR, tzinfo=ZoneInfo(config.timezone))
    run = SyncRun(config, folder / "state", env={})
    run(open_backend(config), DAY, now, weekly=True)
    return path


def png_name(tab: str) -> str:
    """'This week' -> 'this-week.png'."""
    return "-".join(tab.lower().split()) + ".png"


def single_tab_copy(book: Path, tab: str, folder: Path) -> Path:
    """A copy of `book` holding only `tab`, so that its pages are that tab's alone."""
    workbook = load_workbook(book)
    for sheet in list(workbook.worksheets):
        if sheet.title != tab:
            workbook.remove(sheet)
    copy = folder / f"{png_name(tab).removesuffix('.png')}.xlsx"
    workbook.save(copy)
    return copy


def render_tab(renderer: str, book: Path, tab: str, work: Path) -> list[Path]:
    """The PNG pages of one tab, in order."""
    single = single_tab_copy(book, tab, work)
    pages = work / f"{single.stem}-pages"
    subprocess.run([renderer, str(single), str(pages)], check=True, stdout=subprocess.DEVNULL)
    found = sorted(pages.glob(f"{single.stem}*.png"), key=lambda p: (len(p.name), p.name))
    if not found:
        raise SystemExit(f"{renderer} wrote no PNG for the tab '{tab}'")
    return found


def keep_first_page(pages: list[Path], target: Path) -> None:
    """The first page, cropped to the tab's content when Pillow is installed.

    A tab narrower than the page is printed in its top-left corner; the blank rest of
    an A3 page would only shrink the picture in the documentation.
    """
    try:
        from PIL import Image, ImageChops
    except ImportError:
        shutil.copyfile(pages[0], target)
        return
    with Image.open(pages[0]) as page:
        rgb = page.convert("RGB")
        blank = Image.new("RGB", rgb.size, "white")
        box = ImageChops.difference(rgb, blank).getbbox()
        if box is not None:
            left, top, right, bottom = box
            rgb = rgb.crop(
                (
                    max(0, left - MARGIN),
                    max(0, top - MARGIN),
                    min(rgb.width, right + MARGIN),
                    min(rgb.height, bottom + MARGIN),
                )
            )
        rgb.save(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("renderer", help="command run as: RENDERER BOOK.xlsx OUTDIR")
    parser.add_argument("--out", type=Path, default=HERE, help="where the PNGs go")
    parser.add_argument("--book", type=Path, help="also keep the rendered workbook here")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="keepup-images-") as temp:
        work = Path(temp)
        book = build_demo(work)
        for tab in load_workbook(book, read_only=True).sheetnames:
            pages = render_tab(args.renderer, book, tab, work)
            target = args.out / png_name(tab)
            keep_first_page(pages, target)
            extra = f" (first of {len(pages)} pages)" if len(pages) > 1 else ""
            print(f"{target}{extra}")
        if args.book is not None:
            shutil.copyfile(book, args.book)
    return 0


if __name__ == "__main__":
    sys.exit(main())
