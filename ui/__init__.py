"""Streamlit helpers shared by app.py and the pages (language, store guard) and pure chart builders.

It lives beside data_layer/ because the data layer must not import Streamlit widgets or plotly."""
