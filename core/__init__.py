"""LayerForge core: the Qt-free engine, data, document, export and CLI."""
