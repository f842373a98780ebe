"""What the import engine tells the apps above it, which it does not import."""

from contextlib import contextmanager

from django.dispatch import Signal

# Sent by the write door (`write_followed`) inside a write's transaction, before it writes, with
# `enterprise_ids`: the enterprises whose records (or themselves) the write is about to change. A
# receiver may return a function, which the door calls after writing, still in the transaction, with
# the ids of the enterprises written (the ones the write created included): what the receiver derives
# from the records (the dashboard's roll-up) follows the write, in work that grows with the write. If
# the write fails, the function is called with None instead.
records_writing = Signal()

# Sent by import_commit inside the import's transaction, after its rows are written and before it
# commits (`kind`: the ImportKind; `batch`: the ImportBatch), so that a receiver's writes commit or
# roll back with the import's.
import_written = Signal()


@contextmanager
def write_followed(enterprise_ids, months=None):
    """Around a write of the records of `enterprise_ids` (inside its transaction): records_writing's
    receivers see the records before and after it. The body adds to the set it is given the ids of
    the enterprises it created, or any other it wrote. `months`: (first, last), the first days of the
    months outside which the write changes no record's month (a file of monthly reports), or None."""
    before = frozenset(enterprise_ids)
    finishers = [
        finish
        for _receiver, finish in records_writing.send(
            sender=write_followed, enterprise_ids=before, months=months
        )
        if finish is not None
    ]
    written = set(before)
    try:
        yield written
    except BaseException:
        # The write failed and its transaction rolls back: the receivers forget it (None).
        for finish in finishers:
            finish(None)
        raise
    for finish in finishers:
        finish(frozenset(written))
