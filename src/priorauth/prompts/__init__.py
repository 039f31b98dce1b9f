"""Versioned prompt templates for the LLM extractor: data, not code. None are shipped yet."""
