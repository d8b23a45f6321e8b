"""Map objects and styles: turns layers into Folium elements. Never imports Streamlit."""
