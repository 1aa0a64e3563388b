"""PDF documents of the portal (STYLE.md, "PDFs"): a template in templates/documents/ plus one function.

The package has no models; rendering lives in ``rendering.py`` and each document in a module of its own.
"""
