"""Minimal apps the generated service is compared with, served by `serve.py` in its venv."""
