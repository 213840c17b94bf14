package resourcenames

// AsaasWebhookPathPrefix starts the payment webhook's path: the brand's clientId follows it
// (POST /webhooks/asaas/{clientId}). The URL to configure on a brand's Asaas webhook is the
// public base URL plus this path.
const AsaasWebhookPathPrefix = "/webhooks/asaas/"

// The "event" attribute of the payment webhook's log lines that the stack's alarms count
// (AsaasWebhookRefusedAlarm, AsaasWebhookFailedAlarm; docs/operations.md, "Payments").
// Asaas retries a refused or failed call and pauses the brand's webhook queue after 15
// consecutive failures: payments then stop reaching orders until someone resumes it.
const (
	// EventAsaasWebhookRefused: it answered 401 to a call for an existing brand (no
	// asaas-access-token, or not the brand's): a token changed on one side only, or a forgery.
	EventAsaasWebhookRefused = "asaas_webhook_refused"
	// EventAsaasWebhookFailed: it answered 5xx (the secret, the order or the inbound queue could
	// not be reached), or 400 to a call whose token was right (an event it cannot read).
	EventAsaasWebhookFailed = "asaas_webhook_failed"
)
