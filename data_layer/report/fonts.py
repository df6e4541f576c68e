"""The CJK font the review pack embeds (PDF text and chart images), and the East Asian font the PPTX names.

Setting `DASHBOARD_CJK_FONT`: path of a TrueType font (.ttf, or .ttc whose first face is used) with Chinese
glyphs; OpenType fonts with PostScript (CFF) outlines, such as Debian's Noto CJK, cannot be embedded by reportlab.
Default: Debian's fonts-wqy-microhei, which `scripts/test.sh` and `scripts/run.sh` install. It is read through the
one settings object (`Settings.cjk_font`) each time a pack is made.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from data_layer.settings import get_settings

DEFAULT_CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"  # also Settings.cjk_font's default
FONT_SETTING = "DASHBOARD_CJK_FONT"
PDF_FONT_NAME = "ReportCJK"
# What the PPTX asks Office to use: Chinese Office (and WPS) installs 微软雅黑 (Microsoft YaHei) on Windows and
# maps it to PingFang SC on a Mac. The Latin name goes into <a:latin>, the Chinese one into <a:ea>.
PPTX_LATIN_FONT = "Microsoft YaHei"
PPTX_EA_FONT = "微软雅黑"


class FontMissingError(RuntimeError):
    """The CJK font the PDF needs is not where the setting says, or reportlab cannot embed it."""


_REMEDY = (f"Set {FONT_SETTING} to a TrueType font file with Chinese glyphs (.ttf, or .ttc with TrueType "
           "outlines), or install Debian's fonts-wqy-microhei (apt-get install fonts-wqy-microhei) for the default "
           f"{DEFAULT_CJK_FONT}.")


def cjk_font_path() -> Path:
    """The configured CJK font file, checked to be one the PDF can embed; a clear error naming the setting and
    the package otherwise. Cheap after the first call for a file (the check is cached per file version)."""
    path = Path(get_settings().cjk_font or DEFAULT_CJK_FONT)
    if not path.is_file():
        raise FontMissingError(f"The review pack needs a font with Chinese glyphs, and {path} does not exist. "
                               + _REMEDY)
    stat = path.stat()
    _name, problem = _register(str(path), stat.st_mtime_ns, stat.st_size)
    if problem is not None:
        raise FontMissingError(problem)
    return path


@lru_cache(maxsize=8)
def _register(path: str, mtime_ns: int, size: int) -> tuple[str, str | None]:
    """Register the font with reportlab once per file version: (name for styles, None), or (name, why it cannot
    be embedded). A failure is cached too, so a page rerun does not parse a 20 MB file again; a replaced file
    (new mtime or size) is tried afresh. reportlab embeds TrueType (glyf) outlines only: an OpenType/CFF font,
    Debian's Noto CJK .ttc for one, fails here with "postscript outlines are not supported"."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = f"{PDF_FONT_NAME}-{hashlib.sha1(f'{path}:{mtime_ns}:{size}'.encode()).hexdigest()[:8]}"
    try:
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    except Exception as exc:
        return name, f"{path} (from {FONT_SETTING}) cannot be embedded in a PDF: {exc}. " + _REMEDY
    return name, None


def pdf_font(path: str) -> str:
    """The reportlab name of the font at `path` (registered once per file version)."""
    stat = Path(path).stat()
    name, problem = _register(path, stat.st_mtime_ns, stat.st_size)
    if problem is not None:
        raise FontMissingError(problem)
    return name


@lru_cache(maxsize=4)
def chart_family(path: str) -> str:
    """Add the font to matplotlib's font list once per path; returns its family name."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()
