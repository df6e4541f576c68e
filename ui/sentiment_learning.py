"""The learning loop on the observation page: editors see how many corrections the model has not learned from yet;
admins retrain and see the model in use and the new one side by side on the blind set."""

from __future__ import annotations

import streamlit as st

from data_layer import cached, fmt
from data_layer.cached import observation as cached_observation
from ui import observation_charts as charts
from ui.auth import require_role
from ui.observation_charts import Translate

OUTCOME_KEY = "obs_retrain_outcome"  # the last retrain's result, shown once after the rerun


def status(url: str, version: str, *, t: Translate) -> None:
    from data_layer.sentiment.learned import load_model

    st.subheader(t("obs.learning"))
    model = load_model()
    trained_on = model.trained_on if model else {}
    since = cached_observation.corrections_since(url, version, trained_on.get("corrections_through"))
    st.caption(t("obs.learning.status", model=model.version if model else t("obs.learning.lexicon"),
                 labelled=fmt.count(sum(trained_on.get("labelled_sets", {}).values())),
                 trained=fmt.count(trained_on.get("corrections", 0)), since=fmt.count(since)))


def retrain_panel(url: str, *, t: Translate) -> None:
    """The retrain button, behind the admin role: train, compare on the blind set, keep or refuse, re-score."""
    outcome = st.session_state.pop(OUTCOME_KEY, None)
    if outcome is not None:
        st.dataframe(charts.retrain_table(outcome, t=t), hide_index=True, key="obs_retrain_table")
        if outcome.accepted:
            st.success(t("obs.learning.accepted", model=outcome.new_version, rescored=fmt.count(outcome.rescored),
                         changed=fmt.count(outcome.changed)))
        else:
            st.error(t("obs.learning.refused", model=outcome.old_version))
    admin = require_role("admin")
    if st.button(t("obs.learning.retrain"), key="obs_retrain"):
        from data_layer.sentiment.retrain import retrain

        with st.spinner(t("obs.learning.running")):
            st.session_state[OUTCOME_KEY] = retrain(cached.engine(url), user=admin.username, via="app")
        st.rerun()
