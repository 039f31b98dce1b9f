"""The outer shell: the command line today; the HTTP API, web UI and storage later."""
