"""Streamlit pages and folium builders: the only package that imports streamlit or folium."""
