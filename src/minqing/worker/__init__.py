"""What `minqing worker` runs: the background tasks (tasks.py) and the periodic scheduler that
enqueues each of them once per period across all workers (scheduler.py). Above every app."""
