"""Fixes to moto's emulation that the platform's guarantees depend on, applied on import.

FIFO group order after a retry delay. SQS delivers a FIFO group's messages in order: while
one of them is in flight, none of the group is delivered; when the in-flight ones become
visible again (their visibility timeout, or a delay the consumer set with
ChangeMessageVisibility, ran out), the oldest comes first. moto 5.2.5 releases an in-flight
message from its group's hold only when its receive loop reaches that message, after it has
already skipped the older ones of the group as "held": when a group's retried messages become
visible a few milliseconds apart, a receive between those instants delivers the newest first.
The fix releases every message whose visibility has run out before the loop starts, so the
group is held until all of them are visible, and then delivered oldest first.
"""

from moto.sqs.models import SQSBackend

_receive = SQSBackend.receive_message


def _receive_in_group_order(self, queue_name, *args, **kwargs):
    queue = self.get_queue(queue_name)
    if queue.fifo_queue:
        for message in list(queue.pending_messages):
            if message.visible:
                queue.pending_messages.remove(message)
    return _receive(self, queue_name, *args, **kwargs)


SQSBackend.receive_message = _receive_in_group_order
