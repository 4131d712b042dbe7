"""The REST API of insurance/: thin views that parse, call one service, and render."""
