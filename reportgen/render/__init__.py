"""Rendering: typed models into one right-to-left HTML document (Jinja2 templates, SVG figures and charts)."""
