"""Webhooks: signed JSON events per workspace when a document completes or is decided.

Campaign claims announce their final outcomes too (`claim.decided`). `registry` registers,
lists and deletes webhooks and records events in the transaction that stores a result
(`record_events`, `record_claim_event`); `delivery` sends what is due with retries and
backoff (`deliver_due`) and gives receivers `verify_signature`; `targets` keeps webhooks
off loopback, private and other non-public addresses (`check_target`).
"""

from paperclerk.webhooks.delivery import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    deliver_due,
    signature_header,
    verify_signature,
)
from paperclerk.webhooks.registry import (
    DOCUMENT_EVENTS,
    EVENT_CLAIM_DECIDED,
    EVENT_COMPLETED,
    EVENT_DECIDED,
    EVENTS,
    FINAL_OUTCOMES,
    DeliveryPage,
    NewWebhook,
    create_webhook,
    delete_webhook,
    get_webhook,
    list_deliveries,
    list_webhooks,
    record_claim_event,
    record_events,
    validate_events,
    validate_url,
)
from paperclerk.webhooks.targets import WebhookTargetError, check_target

__all__ = [
    "DELIVERY_HEADER",
    "DOCUMENT_EVENTS",
    "EVENTS",
    "EVENT_CLAIM_DECIDED",
    "EVENT_COMPLETED",
    "EVENT_DECIDED",
    "EVENT_HEADER",
    "FINAL_OUTCOMES",
    "MAX_ATTEMPTS",
    "SIGNATURE_HEADER",
    "DeliveryPage",
    "NewWebhook",
    "WebhookTargetError",
    "check_target",
    "create_webhook",
    "delete_webhook",
    "deliver_due",
    "get_webhook",
    "list_deliveries",
    "list_webhooks",
    "record_claim_event",
    "record_events",
    "signature_header",
    "validate_events",
    "validate_url",
    "verify_signature",
]
