"""What the visits app tells the apps above it. The risk of return reads visits and is recomputed
when one is recorded; visits must not import risk's services (a lower app never imports a higher
one's), so it announces the event and the risk app listens (risk/receivers.py).

Both are sent inside the writing transaction, with ``Signal.send`` (not ``send_robust``): a
receiver's error rolls the write back, as a direct call would.
"""

from django.dispatch import Signal

# A placement's visits were planned (its start): kwargs placement, today.
visits_scheduled = Signal()
# A visit was recorded as done: kwargs visit, placement, today.
visit_recorded = Signal()
