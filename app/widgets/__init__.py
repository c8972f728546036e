"""Small shared widgets used by more than one panel of the desktop app."""
