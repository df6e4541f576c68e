"""The CJK font the review pack embeds (PDF text and chart images), and the East Asian font the PPTX names.

Setting `DASHBOARD_CJK_FONT`: path of a TrueType font (.ttf, or .ttc whose first face is used) with Chinese
glyphs. Default: Debian's fonts-wqy-microhei, which `scripts/test.sh` installs. It is read from the environment
each time a pack is made (this module keeps its own reader: the setting belongs to the pack only).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

DEFAULT_CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT_SETTING = "DASHBOARD_CJK_FONT"
PDF_FONT_NAME = "ReportCJK"
# What the PPTX asks Office to use: Chinese Office (and WPS) installs 微软雅黑 (Microsoft YaHei) on Windows and
# maps it to PingFang SC on a Mac. The Latin name goes into <a:latin>, the Chinese one into <a:ea>.
PPTX_LATIN_FONT = "Microsoft YaHei"
PPTX_EA_FONT = "微软雅黑"


class FontMissingError(RuntimeError):
    """The CJK font the PDF needs is not where the setting says."""


def cjk_font_path() -> Path:
    """The configured CJK font file; a clear error naming the setting when it is not there."""
    path = Path(os.environ.get(FONT_SETTING, "").strip() or DEFAULT_CJK_FONT)
    if not path.is_file():
        raise FontMissingError(
            f"The review pack needs a font with Chinese glyphs, and {path} does not exist. Set {FONT_SETTING} to "
            "a TrueType font file (.ttf or .ttc), or install Debian's fonts-wqy-microhei "
            f"(apt-get install fonts-wqy-microhei) for the default {DEFAULT_CJK_FONT}.")
    return path


@lru_cache(maxsize=4)
def pdf_font(path: str) -> str:
    """Register the font with reportlab once per path; returns the name to use in styles."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = f"{PDF_FONT_NAME}-{hashlib.sha1(path.encode()).hexdigest()[:8]}"  # one name per file
    try:
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    except Exception as exc:  # noqa: BLE001 - reportlab raises several kinds for unusable fonts
        raise FontMissingError(f"{path} (from {FONT_SETTING}) cannot be embedded in a PDF: {exc}") from exc
    return name


@lru_cache(maxsize=4)
def chart_family(path: str) -> str:
    """Add the font to matplotlib's font list once per path; returns its family name."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()
