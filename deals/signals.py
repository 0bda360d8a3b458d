"""What happens in sales, for the parts that react to it (routing, robots and triggers, the
sales generator). Every signal is sent from ``transaction.on_commit`` by the service that made
the change, so a receiver never sees a change that was rolled back.

- ``lead_received(sender=Lead, lead)``: a new lead came in (any channel).
- ``lead_converted(sender=Lead, lead, deal, actor)``
- ``deal_created(sender=Deal, deal, actor)``: the deal entered its first stage.
- ``deal_stage_changed(sender=Deal, deal, from_stage, to_stage, actor)``
- ``deal_field_changed(sender=Deal, deal, changes: dict[field, (old, new)], actor)``
- ``invoice_paid(sender=Invoice, invoice)``: an invoice became paid in full.
"""

from django.dispatch import Signal

lead_received = Signal()
lead_converted = Signal()
deal_created = Signal()
deal_stage_changed = Signal()
deal_field_changed = Signal()
invoice_paid = Signal()
