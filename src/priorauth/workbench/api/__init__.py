"""The reviewer workbench's JSON API (FastAPI).

Modules: ``app`` (``create_app``), ``state`` (what one app holds: sessions, the policy engine,
the extraction worker), ``auth`` (bearer tokens and roles), ``errors`` (store errors to HTTP
answers), ``extraction`` (reading a case's packet in the background), ``views`` (rows as
JSON), ``cases`` and ``facts`` (the routes).
"""
