"""Photos and videos: reading what a file's bytes say (images.py, videos.py), where a GPS
position is (places.py), when a photo was taken (capture_time.py), and the ingest that
runs them once per blob in a Celery worker (ingest.py)."""
