"""Data layer of the building-economy dashboard: settings, store, models, queries, demo city.

Nothing here imports Streamlit except `cached`, the thin layer of st.cache_* wrappers the pages call.
"""
