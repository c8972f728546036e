"""LayerForge's PySide6 desktop application (views and controllers over `core`)."""
