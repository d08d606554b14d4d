"""Work done off the request, on the task queue (Huey; docs/task-queue.md).

`queue` builds the queue from the settings, `registry` binds every task to it, `worker` runs them: the
`python -m app worker` command, and the worker that `python -m app serve` starts itself for the embedded
queue. A task calls a service function, exactly as a route does.
"""
