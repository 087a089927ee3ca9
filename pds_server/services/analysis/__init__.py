"""Image analysis on the CPU: tags, text, faces and near-duplicates by local models, run in
Celery workers on the "analysis" queue."""
