package metrics

import "github.com/wabot-platform/wabot/shared/resourcenames"

// The metrics the platform counts (unit Count): resourcenames' names, which the CDK app's
// alarms and dashboard read too.
const (
	// MessagesIn: inbound messages the webhook accepted and queued, by brand (the store is
	// not known yet at the webhook).
	MessagesIn = resourcenames.MetricMessagesIn
	// MessagesOut: messages sent to customers through the messenger, one per part (a long
	// reply goes as several), by brand and, when the customer has one, store.
	MessagesOut = resourcenames.MetricMessagesOut
	// Orders: orders handed to a store's POS queue, by brand and store.
	Orders = resourcenames.MetricOrders
	// Errors: inbound messages the worker failed to process, one per failed customer burst
	// (retried or parked) or undecodable record, by brand.
	Errors = resourcenames.MetricErrors
	// TwilioSendFailures: sends the messenger failed, whatever the error, by brand and store.
	TwilioSendFailures = resourcenames.MetricTwilioSendFailures
	// TwilioThrottled: sends Twilio refused for its rate limit (HTTP 429 or error 20429),
	// by brand and store; each is also a TwilioSendFailure.
	TwilioThrottled = resourcenames.MetricTwilioThrottled
	// ModelCalls: model calls the conversation engine made (tool rounds included), by brand
	// and store. The model counts below are daily counters too (Daily).
	ModelCalls = resourcenames.MetricModelCalls
	// ModelInputTokens: input tokens read at full price (not from the prompt cache).
	ModelInputTokens = resourcenames.MetricModelInputTokens
	// ModelOutputTokens: tokens the model generated.
	ModelOutputTokens = resourcenames.MetricModelOutputTokens
	// ModelCacheReadTokens: input tokens read from the prompt cache (about a tenth of the price).
	ModelCacheReadTokens = resourcenames.MetricModelCacheReadTokens
	// ModelCacheWriteTokens: input tokens written to the prompt cache.
	ModelCacheWriteTokens = resourcenames.MetricModelCacheWriteTokens
	// ModelFallbacks: turns where the model was wanted but the rules answered (an error, a
	// throttle, a timeout, the daily budget, a reply the engine refused).
	ModelFallbacks = resourcenames.MetricModelFallbacks
	// AnswerCacheHits: store questions answered from the per-store answer cache, no model call.
	AnswerCacheHits = resourcenames.MetricAnswerCacheHits
)

// ModelUsage are the metrics of what the model cost: its calls and their tokens (not the
// fallbacks nor the answer cache's hits, which describe the customers' turns). What the
// admin's test chat counts (Only), so its spending shows in the brand's counters and its
// daily budget.
func ModelUsage() []string {
	return []string{ModelCalls, ModelInputTokens, ModelOutputTokens, ModelCacheReadTokens, ModelCacheWriteTokens}
}

// Dimension names.
const (
	dimClientID = resourcenames.DimClientID
	dimStoreID  = resourcenames.DimStoreID
)
