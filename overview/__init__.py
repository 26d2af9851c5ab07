"""The top layer: the dashboard, the reports and the demo county, made from every domain app's records (no models)."""
