package resourcenames

// Metrics the runtime writes in CloudWatch Embedded Metric Format (EMF) into MetricNamespace
// (or the namespace of EnvVarMetricsNamespace). The names are a contract with the CDK app's
// alarms and dashboard: a metric renamed on one side only is an alarm that never fires, so
// both sides take them from here.
//
// Every count is written with three dimension sets: [DimClientID], [DimClientID, DimStoreID]
// when the store is known, and [] (no dimension). Alarms watch the aggregate [] series, which
// costs one alarm per environment whatever the number of brands; the dashboard breaks the
// counts down per brand with SEARCH expressions over the DimClientID series.
const (
	// MetricMessagesIn counts the inbound messages the webhook accepted and queued.
	MetricMessagesIn = "MessagesIn"
	// MetricMessagesOut counts the messages sent to customers, one per part of a reply.
	MetricMessagesOut = "MessagesOut"
	// MetricOrders counts the orders handed to a store's point-of-sale queue.
	MetricOrders = "Orders"
	// MetricErrors counts the inbound messages the worker failed to process.
	MetricErrors = "Errors"
	// MetricTwilioSendFailures counts the sends to Twilio that failed, whatever the error: a
	// customer who may not have got an answer.
	MetricTwilioSendFailures = "TwilioSendFailures"
	// MetricTwilioThrottled counts the sends Twilio refused for its rate limit (HTTP 429 or
	// error 20429); each is also a MetricTwilioSendFailures.
	MetricTwilioThrottled = "TwilioThrottled"
	// MetricMessagesProcessed counts the inbound messages the worker put into a conversation
	// (a burst of three is three): the daily counters' "messages in" (the webhook cannot
	// write them: it has a budget of two AWS calls).
	MetricMessagesProcessed = "MessagesProcessed"
	// MetricConversations counts the conversations started (a new session).
	MetricConversations = "Conversations"
	// MetricHandoffs counts the conversations handed to a person (by the customer or an operator).
	MetricHandoffs = "Handoffs"
	// MetricRevenueCents adds the total, in centavos, of each order counted in MetricOrders.
	MetricRevenueCents = "RevenueCents"

	// The AI conversation layer's usage, counted by the engine once per model call (the
	// tokens from the call's usage), by brand and store. The daily counters keep them too:
	// they are what a brand's daily token budget (domain.Client.TokenBudget) is checked
	// against.

	// MetricModelCalls counts the model calls made (one per Converse request, tool rounds
	// included), whatever their outcome.
	MetricModelCalls = "ModelCalls"
	// MetricModelInputTokens adds the input tokens read at full price: not read from the
	// prompt cache (those are MetricModelCacheReadTokens) nor written to it.
	MetricModelInputTokens = "ModelInputTokens"
	// MetricModelOutputTokens adds the tokens the model generated.
	MetricModelOutputTokens = "ModelOutputTokens"
	// MetricModelCacheReadTokens adds the input tokens read from the prompt cache (billed at
	// about a tenth of the input price).
	MetricModelCacheReadTokens = "ModelCacheReadTokens"
	// MetricModelCacheWriteTokens adds the input tokens written to the prompt cache (billed at
	// about 1.25 times the input price).
	MetricModelCacheWriteTokens = "ModelCacheWriteTokens"
	// MetricModelFallbacks counts the turns where the model was wanted but the rules answered
	// instead: a model error, a throttle, a timeout, the brand's daily budget spent
	// (EventModelBudgetExceeded), or a reply the engine's checks refused.
	MetricModelFallbacks = "ModelFallbacks"
	// MetricAnswerCacheHits counts the questions about a store answered from the per-store
	// answer cache, without a model call.
	MetricAnswerCacheHits = "AnswerCacheHits"
)

// Dimension names of the EMF metrics.
const (
	// DimClientID is the brand of a count: the same value as the clientId tag and key prefix.
	DimClientID = TagClientID
	// DimStoreID is the store of a count, when the conversation has one.
	DimStoreID = TagStoreID
)

// AlarmTopic is the SNS topic of env that every CloudWatch alarm of the environment notifies
// (alarm and OK): operators subscribe to it by name.
func AlarmTopic(env string) string { return "wabot-" + env + "-alarms" }
