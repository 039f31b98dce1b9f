"""The workbench's storage: database models and migrations, documents, audit, users, cases.

Modules: ``models`` (tables), ``db`` (URLs, engines, migrations), ``documents``
(content-addressed files), ``audit`` (hash-chained log), ``users`` (passwords, tokens),
``cases`` (the repository functions the API uses), ``errors``.
"""
