"""Batch scanning of cloud-drive exports (Google Takeout and Vault, OneDrive/SharePoint, Box).

The pipeline, one module each:

- ``files``: the export walked into ``ExportFile`` units (a file on disk or a member of one of the
  export's own zip parts), media skipped by type before a byte is read;
- ``metadata``: owner and sharing from the export's metadata files, where it carries them;
- ``worker``: one unit read, hashed, extracted and scanned into a ``FileResult``; ``batching``
  lets a spreadsheet's many cells share one candidate pass;
- ``runner``: units fanned out over local processes (``initializer``) or a Dask cluster, a
  bounded number in flight;
- ``state``: the SQLite state file that makes a scan resumable, and baselines;
- ``summary`` and ``reports``: totals, JSON lines, CSV and the self-contained HTML report.
"""
