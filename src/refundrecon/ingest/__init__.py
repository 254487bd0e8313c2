"""Ingestion: read interchange (and native) files into the store, quarantining bad rows."""
