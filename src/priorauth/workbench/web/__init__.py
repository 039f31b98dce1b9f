"""The workbench's screens: server-rendered pages on the same store and rules as the API."""
