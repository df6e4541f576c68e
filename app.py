"""Router of the building-economy dashboard: page config, language, and every page registered here."""

from __future__ import annotations

import streamlit as st

from data_layer.i18n import LANGUAGES
from data_layer.settings import get_settings
from ui import auth, warm
from ui.hardening import harden_runtime
from ui.login import login_screen
from ui.shell import PAGE_STYLE, current_lang, keep_lang_in_url, redraw_choices, t

# Pages a kiosk link (?kiosk=<token>) opens without an account: read-only screens only, by url_path.
KIOSK_PAGES = ("overview", "briefing")

st.set_page_config(page_title=t("app.title"), page_icon="🏙️", layout="wide")
st.html(PAGE_STYLE)  # style only: it takes no room on the page
harden_runtime()
warm.start(get_settings().database_url)  # once per process: the default views are filled after every data change

lang = current_lang()
with st.sidebar:
    chosen = st.segmented_control(
        t("app.language"), options=list(LANGUAGES), default=lang, key="lang_switch",
        format_func=lambda code: {"zh": "中文", "en": "English"}[code],
    )
    if chosen and chosen != lang:
        keep_lang_in_url(chosen)
        redraw_choices()
        st.rerun()
keep_lang_in_url(lang)

pages = {
    t("app.section.monitor"): [
        overview := st.Page("app_pages/overview.py", title=t("page.overview"), icon=":material/dashboard:",
                            url_path="overview"),
        st.Page("app_pages/observation.py", title=t("page.observation"), icon=":material/sentiment_satisfied:",
                url_path="observation"),
        st.Page("app_pages/briefing.py", title=t("page.briefing"), icon=":material/tv:", url_path="briefing"),
    ],
    t("app.section.plan"): [
        st.Page("app_pages/goals.py", title=t("page.goals"), icon=":material/flag:", url_path="goals"),
        st.Page("app_pages/plan_editor.py", title=t("page.plan_editor"), icon=":material/edit_note:",
                url_path="plan-editor"),
        st.Page("app_pages/report.py", title=t("page.report"), icon=":material/picture_as_pdf:", url_path="report"),
    ],
    t("app.section.explore"): [
        st.Page("app_pages/map.py", title=t("page.map"), icon=":material/map:", url_path="map"),
        st.Page("app_pages/map_time.py", title=t("page.map_time"), icon=":material/play_circle:",
                url_path="map-time"),
        st.Page("app_pages/building.py", title=t("page.building"), icon=":material/apartment:", url_path="building"),
        st.Page("app_pages/revive.py", title=t("page.revive"), icon=":material/domain_add:", url_path="revive"),
        st.Page("app_pages/registration.py", title=t("page.registration"), icon=":material/how_to_reg:",
                url_path="registration-gap"),
        st.Page("app_pages/moves.py", title=t("page.moves"), icon=":material/move_up:", url_path="moves"),
    ],
    t("app.section.admin"): [
        st.Page("app_pages/data_admin.py", title=t("page.data_admin"), icon=":material/database:", url_path="data"),
    ],
}
# The login gate (ui/auth.py): who is signed in, idle expiry, kiosk links, and with DASHBOARD_REQUIRE_LOGIN the
# login form in front of every page. The admin page is registered for everyone (so /admin explains who may use it)
# but listed in the menu for admins only; the login page is reached from the sidebar link.
gate = auth.open_gate()
login = st.Page("app_pages/login.py", title=t("auth.page.login"), icon=":material/login:", url_path="login",
                visibility="hidden")
admin = st.Page("app_pages/admin.py", title=t("auth.page.admin"), icon=":material/manage_accounts:", url_path="admin",
                visibility="visible" if gate.is_admin else "hidden")
# "/" opens the overview through a hidden default page: Streamlit reserves a default page's own path and answers it
# with "page not found", so the overview itself is not the default and /overview (a bookmark, a link) opens it too.
# The switch carries the URL's parameters, so a link to /?district=…&period=… opens that view of the overview.
root = st.Page(lambda: st.switch_page(overview, query_params=st.query_params.to_dict()), title=t("page.overview"),
               url_path="start", default=True,
               visibility="hidden")
registered = auth.arrange(gate, pages, root=root, account=[admin, login], kiosk_paths=KIOSK_PAGES,
                          login_screen=login_screen)
# The whole menu, always: collapsed, Streamlit lists the first ten entries and hides the rest (the accounts page
# among them) behind "view more" once the 企业迁移 page made the menu longer.
current = st.navigation(registered, expanded=True)
auth.redirect(gate, current, login=login, registered=registered)
with st.sidebar:
    auth.account_sidebar(gate, current, login)
current.run()
