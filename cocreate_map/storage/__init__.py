"""SQLAlchemy 2 storage: geometry in WGS-84 (EPSG:4326); WKB on SQLite, PostGIS on PostgreSQL."""
