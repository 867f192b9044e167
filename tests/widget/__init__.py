"""Helpers for the website widget's browser tests and the docs screenshot (real Chromium)."""
