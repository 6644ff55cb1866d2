"""Executing the chapters (papermill workers, content hashes, atomic swap) and building the site."""
