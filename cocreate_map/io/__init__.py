"""Files ↔ domain: readers, writers, CRS handling, reports. Reprojection happens here only."""
