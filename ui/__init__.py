"""The app's tabs, one module each with `create_tab()`, and what they share (ui/shared.py)."""
