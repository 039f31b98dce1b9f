"""priorauth: a prior-authorization review workbench."""
