"""What the import engine tells the apps above it, which it does not import."""

from django.dispatch import Signal

# Sent by import_commit inside the import's transaction, after its rows are written and before it
# commits (`kind`: the ImportKind; `batch`: the ImportBatch), so that a receiver's writes commit or
# roll back with the import's. The dashboard rebuilds its roll-up here.
import_written = Signal()
