"""Router of the building-economy dashboard: page config, language, and every page registered here."""

from __future__ import annotations

import streamlit as st

from data_layer.i18n import LANGUAGES
from ui.shell import current_lang, keep_lang_in_url, t

st.set_page_config(page_title=t("app.title"), page_icon="🏙️", layout="wide")

lang = current_lang()
with st.sidebar:
    chosen = st.segmented_control(
        t("app.language"), options=list(LANGUAGES), default=lang, key="lang_switch",
        format_func=lambda code: {"zh": "中文", "en": "English"}[code],
    )
    if chosen and chosen != lang:
        keep_lang_in_url(chosen)
        st.rerun()
keep_lang_in_url(lang)

pages = {
    t("app.section.monitor"): [
        st.Page("pages/overview.py", title=t("page.overview"), icon=":material/dashboard:", url_path="overview",
                default=True),
    ],
}
st.navigation(pages).run()
