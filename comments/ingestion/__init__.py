"""File ingestion: readers for CSV/JSON/XLSX and the whole-file import through `comments_ingest`."""
