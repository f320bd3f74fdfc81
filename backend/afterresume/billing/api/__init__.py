"""The HTTP interface of billing: thin views that validate input, call one service or selector and
shape the answer. Paths are in billing/urls.py."""
