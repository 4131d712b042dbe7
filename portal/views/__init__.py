"""The merchant portal's pages, one module per section of its menu."""
