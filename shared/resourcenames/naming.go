// Package resourcenames holds the physical names that are part of a contract between the CDK app
// (infra), the runtime (functions) and the people who integrate with the platform: a store's
// point of sale reads its order queue by name, operators find a brand's secrets by name.
//
// Both the CDK app and the runtime derive every name from here, so the two cannot drift.
// It imports nothing but the standard library: Lambda binaries and the CDK app both link it.
package resourcenames

import (
	"fmt"
	"regexp"
	"strconv"
)

// Environments the CDK app knows. The name is part of every physical name.
const (
	EnvDev     = "dev"
	EnvStaging = "staging"
	EnvProd    = "prod"
)

// Environments lists every environment in promotion order.
var Environments = []string{EnvDev, EnvStaging, EnvProd}

// ValidEnv reports whether env is one of Environments.
func ValidEnv(env string) bool {
	for _, e := range Environments {
		if e == env {
			return true
		}
	}
	return false
}

// MaxIDLength bounds clientId and storeId so that every derived name fits its service's limit
// (an SQS queue name is at most 80 characters, ".fifo" included).
const MaxIDLength = 24

var idPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`)

// ValidateID checks a clientId or storeId: 1 to MaxIDLength characters of lower-case letters,
// digits and inner hyphens ("demo-pizzaria", "centro"). IDs appear in keys, queue names, secret
// names and IAM session tags, so they are restricted to what all of those accept unchanged.
func ValidateID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("%s is required", kind)
	}
	if len(id) > MaxIDLength {
		return fmt.Errorf("%s %q is longer than %d characters", kind, id, MaxIDLength)
	}
	if !idPattern.MatchString(id) {
		return fmt.Errorf("%s %q must be lower-case letters, digits and inner hyphens", kind, id)
	}
	return nil
}

// Tables are the DynamoDB table names of one environment.
type Tables struct {
	ClientConfig      string `json:"clientConfig"`
	StoreConfig       string `json:"storeConfig"`
	PhoneMapping      string `json:"phoneMapping"`
	ConversationState string `json:"conversationState"`
	Idempotency       string `json:"idempotency"`
	Menu              string `json:"menu"`
	Orders            string `json:"orders"`
	// Audit and DailyMetrics are the admin API's tables (resourcenames/admin.go).
	Audit        string `json:"audit"`
	DailyMetrics string `json:"dailyMetrics"`
}

// Base names of the tables: the seed's four, plus the idempotency table the webhook needs.
const (
	ClientConfigTable      = "WhatsAppBotClientConfig"
	StoreConfigTable       = "WhatsAppBotStoreConfig"
	PhoneMappingTable      = "WhatsAppBotPhoneMapping"
	ConversationStateTable = "WhatsAppBotConversationState"
	IdempotencyTable       = "WhatsAppBotIdempotency"
	// MenuTable holds each brand's catalog: categories and items, keyed (clientId, menuKey).
	MenuTable = "WhatsAppBotMenu"
	// OrdersTable holds orders, keyed pk = "<clientId>#<orderId>".
	OrdersTable = "WhatsAppBotOrders"
)

// Index and attribute names that are part of the table contract.
const (
	// ClientByPhoneIndex is the GSI on WhatsAppBotClientConfig keyed by twilioPhoneNumber.
	ClientByPhoneIndex = "twilioPhoneNumber-index"
	// ConversationBySessionIndex is the GSI on WhatsAppBotConversationState keyed by
	// (clientId, sessionId), for operators who hold a sessionId.
	ConversationBySessionIndex = "sessionId-index"
	// TTLAttribute is the epoch-seconds expiry attribute of tables with TTL.
	TTLAttribute = "ttl"
)

// Key attributes of the tables. The CDK app declares the key schemas with them and the
// DynamoDB adapter builds keys and conditions with them.
const (
	AttrClientID          = "clientId"
	AttrStoreID           = "storeId"
	AttrPhoneNumber       = "phoneNumber"
	AttrSessionID         = "sessionId"
	AttrIdempotencyKey    = "idempotencyKey"
	AttrTwilioPhoneNumber = "twilioPhoneNumber"
	// AttrMenuKey is the sort key of WhatsAppBotMenu: "category#<categoryId>" or "item#<itemId>".
	AttrMenuKey = "menuKey"
	AttrOrderID = "orderId"
)

// TablesFor returns the table names of env: "<base>-<env>".
func TablesFor(env string) Tables {
	return Tables{
		ClientConfig:      ClientConfigTable + "-" + env,
		StoreConfig:       StoreConfigTable + "-" + env,
		PhoneMapping:      PhoneMappingTable + "-" + env,
		ConversationState: ConversationStateTable + "-" + env,
		Idempotency:       IdempotencyTable + "-" + env,
		Menu:              MenuTable + "-" + env,
		Orders:            OrdersTable + "-" + env,
		Audit:             AuditTable + "-" + env,
		DailyMetrics:      DailyMetricsTable + "-" + env,
	}
}

// All returns the table names in a fixed order.
func (t Tables) All() []string {
	return []string{t.ClientConfig, t.StoreConfig, t.PhoneMapping, t.ConversationState, t.Idempotency, t.Menu, t.Orders, t.Audit, t.DailyMetrics}
}

// StoreOrderQueue is the name of a store's FIFO queue to its point of sale.
func StoreOrderQueue(env, clientID, storeID string) string {
	return fmt.Sprintf("wabot-%s-%s-%s-orders.fifo", env, clientID, storeID)
}

// StoreOrderDLQ is the name of the dead-letter queue of StoreOrderQueue.
func StoreOrderDLQ(env, clientID, storeID string) string {
	return fmt.Sprintf("wabot-%s-%s-%s-orders-dlq.fifo", env, clientID, storeID)
}

// TwilioSecret is the name of a brand's Twilio credentials secret. Its value is JSON:
// {"accountSid": "AC...", "authToken": "..."}.
func TwilioSecret(env, clientID string) string {
	return fmt.Sprintf("wabot/%s/%s/twilio", env, clientID)
}

// AsaasSecret is the name of a brand's Asaas credentials secret. Its value is JSON:
// {"apiKey": "...", "webhookToken": "..."}.
func AsaasSecret(env, clientID string) string {
	return fmt.Sprintf("wabot/%s/%s/asaas", env, clientID)
}

// StackName is the CloudFormation stack of one environment.
func StackName(env string) string { return "Wabot-" + env }

// Tag keys used for attribute-based access control and cost allocation.
const (
	TagClientID = "clientId"
	TagStoreID  = "storeId"
	TagEnv      = "environment"
	TagApp      = "application"
	AppName     = "wabot"
)

// InboundQueue is the platform's FIFO queue from the webhook to the conversation worker.
func InboundQueue(env string) string { return fmt.Sprintf("wabot-%s-inbound.fifo", env) }

// InboundDLQ is the dead-letter queue of InboundQueue: messages the worker could not process.
func InboundDLQ(env string) string { return fmt.Sprintf("wabot-%s-inbound-dlq.fifo", env) }

// WebhookPath is the route Twilio posts incoming WhatsApp messages to. The URL configured in
// the Twilio console is the public base URL plus this path; signatures are computed over it.
const WebhookPath = "/webhooks/twilio"

// WebhookRetryFragment is the retry policy appended to the webhook URL configured in the Twilio
// console, as one of Twilio's "webhook connection overrides"
// (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides). Without it Twilio
// retries once, and only when it cannot connect (rc=1, rp=ct): a 500 or 503, which the webhook
// answers when it could not durably queue a message, would lose the message.
//
// The fragment is never sent to the server, and Twilio leaves it out of X-Twilio-Signature ("URL
// fragments do not make it into the signature computation and should be left out on your side
// as well"), so the webhook keeps validating PUBLIC_BASE_URL + WebhookPath. The values:
//
//   - rp=4xx,5xx,ct,rt (all four kinds; default ct): retry on a 5xx (the webhook's 500/503, a
//     Lambda throttle or failure, which API Gateway answers with 500 or 502), on a connect or
//     TLS failure, on no answer within rt, and on a 4xx for the 429 of the API stage's
//     throttle. The webhook's other 4xx (400, 403) cannot succeed on a retry; a genuine Twilio
//     request gets them only when a brand is misconfigured, and a retry costs one short,
//     idempotent call.
//   - rc=3 (0 to 5; default 1): four attempts at most, enough to ride out a throttle or a
//     brief outage without multiplying the load of an overloaded webhook by six.
//   - ct=2000 ms (100 to 10000; default 5000): a TCP connect to API Gateway takes milliseconds;
//     a stalled one is better retried than waited for.
//   - rt=5000 ms (100 to 15000; default 15000): the webhook answers in well under a second
//     warm and about a second on a cold start; an attempt silent for 5 s is stuck (its Lambda
//     times out at 10 s), and a new one may land on another execution environment. A retry
//     that overlaps a slow first attempt is harmless: the MessageSid claim and the inbound
//     queue's deduplication id (the MessageSid) make the second enqueue a no-op.
//   - tt=15000 ms (100 to 15000; default 15000, the maximum): the whole budget for all
//     attempts, room for three attempts that each time out at rt.
const WebhookRetryFragment = "#rc=3&rp=4xx,5xx,ct,rt&ct=2000&rt=5000&tt=15000"

// WebhookURLForTwilio is the URL to configure as a WhatsApp sender's incoming message webhook:
// base (the public base URL, "https://host", no trailing slash) + WebhookPath +
// WebhookRetryFragment. The URL Twilio signs, and the webhook validates, is base + WebhookPath.
func WebhookURLForTwilio(base string) string {
	return base + WebhookPath + WebhookRetryFragment
}

// Environment variables through which the CDK app configures the Lambda functions.
const (
	EnvVarEnvironment      = "WABOT_ENV"
	EnvVarClientTable      = "CLIENT_TABLE"
	EnvVarStoreTable       = "STORE_TABLE"
	EnvVarMappingTable     = "MAPPING_TABLE"
	EnvVarConversationTbl  = "CONVERSATION_TABLE"
	EnvVarIdempotencyTable = "IDEMPOTENCY_TABLE"
	EnvVarMenuTable        = "MENU_TABLE"
	EnvVarOrdersTable      = "ORDERS_TABLE"
	EnvVarInboundQueueURL  = "INBOUND_QUEUE_URL"
	// EnvVarInboundDLQURL is the inbound queue's dead-letter queue: the worker parks there, at
	// once, a message it can never process (undecodable, a deleted brand), instead of letting
	// it be retried maxReceiveCount times.
	EnvVarInboundDLQURL = "INBOUND_DLQ_URL"
	// EnvVarPublicBaseURL overrides the base URL of webhook signatures (a custom domain or a
	// proxy in front of API Gateway); without it the API's own domain is used.
	EnvVarPublicBaseURL = "PUBLIC_BASE_URL"
)

// Metrics the platform derives from its logs: the runtime logs an "event" attribute, and the
// CDK app turns matching lines into a metric in MetricNamespace with an alarm.
const (
	MetricNamespace = "Wabot"
	// EventTemplateMissing: free text refused outside WhatsApp's 24-hour window because no
	// approved template (ContentSid) exists; a customer went unanswered.
	EventTemplateMissing = "template_missing"
	// EventModelBudgetExceeded: the worker wanted the model for a turn but the brand had used
	// its daily token budget (domain.Client.TokenBudget), so the rules answered
	// (ModelBudgetExceededAlarm). Logged once per such turn, with the brand's clientId.
	EventModelBudgetExceeded = "model_budget_exceeded"
)

// Tenant-scoped access (ABAC). After the brand of a message is known, the runtime reaches that
// brand's items, secrets, store queues and inference profile only with credentials from
// sts:AssumeRole into the tenant access role, tagged TagClientID = the brand. The role's
// policies compare dynamodb:LeadingKeys and aws:ResourceTag/clientId with
// ${aws:PrincipalTag/clientId}; the functions' own roles keep only platform-level access.
const (
	// EnvVarTenantRoleARN is the ARN of the tenant access role the functions assume.
	EnvVarTenantRoleARN = "TENANT_ROLE_ARN"
	// EnvVarMetricsNamespace is the CloudWatch namespace of the per-tenant metrics the
	// runtime writes in Embedded Metric Format (default MetricNamespace).
	EnvVarMetricsNamespace = "METRICS_NAMESPACE"
)

// TenantAccessRoleName is the physical name of the tenant access role of env. It is fixed so
// the local stack (which never synthesizes IAM into the emulator) and the docs can name it.
func TenantAccessRoleName(env string) string { return fmt.Sprintf("wabot-%s-tenant-access", env) }

// KeySeparator joins the parts of a tenant-first composite key: "<clientId>#<rest>". Ids are
// [a-z0-9-] (ValidateID), so a tenant's prefix "<clientId>#" can never be a prefix of another
// tenant's keys, and IAM's dynamodb:LeadingKeys can confine a session with StringLike
// "${aws:PrincipalTag/clientId}#*".
const KeySeparator = "#"

// TenantKey builds a tenant-first composite key: clientID, then parts, joined by KeySeparator.
func TenantKey(clientID string, parts ...string) string {
	k := clientID
	for _, p := range parts {
		k += KeySeparator + p
	}
	return k
}

// ListingShards is the number of write shards of the per-brand and per-store listing indexes
// (mappings by brand, conversations and orders by store). A listing queries every shard; a
// shard gets 1/ListingShards of the writes of its brand or store, so no index partition
// takes all of a large brand's customer writes (DynamoDB serves about 1,000 writes/s per
// partition). Changing it needs a backfill of the shard attributes.
const ListingShards = 8

// Shard returns the write shard (0..ListingShards-1) of an item id (a phone number, an order
// id): FNV-1a, stable across processes and languages.
func Shard(id string) int {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h ^= uint32(id[i])
		h *= 16777619
	}
	return int(h % ListingShards)
}

// ShardKey is the listing index partition key of shard n of prefix (a brand's "<clientId>",
// a store's "<clientId>#<storeId>"): "<prefix>#<n>". Writers use n = Shard(item id), and a
// listing queries n = 0..ListingShards-1.
func ShardKey(prefix string, n int) string { return prefix + KeySeparator + strconv.Itoa(n) }

// NoStore stands for "no store chosen yet" in a per-store listing key. "_" is outside the id
// alphabet, so it cannot collide with a storeId.
const NoStore = "_"

// Key and index attributes of the tenant-first keys (see docs/data-model.md).
const (
	// AttrPK is the partition key of the tables keyed per customer, order or claim:
	// PhoneMapping "<clientId>#<phoneNumber>", ConversationState "<clientId>#<phoneNumber>",
	// Orders "<clientId>#<orderId>", Idempotency "<clientId>#<idempotencyKey>".
	AttrPK = "pk"
	// AttrBrandShard is "<clientId>#<shard>": the partition key of MappingsByBrandIndex.
	AttrBrandShard = "brandShard"
	// AttrStoreShard is "<clientId>#<storeId or NoStore>#<shard>": the partition key of
	// ConversationsByStoreIndex and OrdersByStoreIndex.
	AttrStoreShard = "storeShard"
	// AttrSessionKey is "<clientId>#<sessionId>": the partition key of ConversationBySessionIndex.
	AttrSessionKey = "sessionKey"
	// AttrLastMessageTimestamp is the conversation's last message, epoch milliseconds (Number):
	// a store's list of conversations is sorted by it.
	AttrLastMessageTimestamp = "lastMessageTimestamp"
	// AttrStatusCreatedAt is "<status>#<createdAt RFC 3339>": the sort key of
	// OrdersByStoreIndex, so one store's orders of one status are a begins_with query.
	AttrStatusCreatedAt = "statusCreatedAt"
)

// Listing indexes (write-sharded: query each of the ListingShards partitions and merge).
const (
	// MappingsByBrandIndex on WhatsAppBotPhoneMapping: PK brandShard, SK phoneNumber, ALL.
	MappingsByBrandIndex = "brandShard-index"
	// ConversationsByStoreIndex on WhatsAppBotConversationState: PK storeShard, SK
	// phoneNumber, KEYS_ONLY. Nothing in it changes on a customer's turn (only when the store
	// does), so a turn writes no index item; a listing reads the keys and then the items.
	ConversationsByStoreIndex = "storeShard-index"
	// OrdersByStoreIndex on WhatsAppBotOrders: PK storeShard, SK statusCreatedAt, ALL.
	OrdersByStoreIndex = "storeShard-status-index"
)

// ConversationSummaryAttributes are what a store's list of conversations reads of each (a
// projection of BatchGetItem over the keys ConversationsByStoreIndex returns): enough for an
// operator's list; the full item is one GetItem on pk.
var ConversationSummaryAttributes = []string{
	AttrClientID, AttrPhoneNumber, AttrStoreID, AttrSessionID, "currentState", "language", "customerName", TTLAttribute,
	AttrLastMessageTimestamp,
}

// LogGroupPrefix is the name prefix of every log group of env ("/wabot/<env>/"): the data key
// admits CloudWatch Logs for log groups under it, by name, since a key policy that referred to
// the log groups it encrypts would be a cycle.
func LogGroupPrefix(env string) string { return fmt.Sprintf("/wabot/%s/", env) }

// What the tenant access role allows a brand's session, without the service prefix: exactly
// what the runtime does for one brand. The CDK app grants these (under dynamodb:LeadingKeys and
// aws:ResourceTag/clientId conditions), and the local stack's isolation test holds every call
// of the runtime to them, so a call the role would refuse in AWS fails a test first.
var (
	// TenantTableActions are the DynamoDB actions per table, by base table name. Index
	// queries (the listing indexes) are Query on the table's indexes.
	TenantTableActions = map[string][]string{
		ClientConfigTable:      {"GetItem"},
		StoreConfigTable:       {"GetItem", "Query"},
		MenuTable:              {"GetItem", "Query", "PutItem", "DeleteItem", "BatchWriteItem"},
		PhoneMappingTable:      {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"},
		ConversationStateTable: {"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"},
		OrdersTable:            {"GetItem", "PutItem", "UpdateItem", "Query"},
		// The worker's daily counters: atomic ADDs on the brand's items, and a Query of the
		// brand's day before a model call (its daily token budget, metrics.ModelSpend).
		DailyMetricsTable: {"UpdateItem", "Query"},
	}
	// TenantSecretActions are the Secrets Manager actions on the brand's secrets.
	TenantSecretActions = []string{"GetSecretValue", "DescribeSecret"}
	// TenantQueueActions are the SQS actions on the brand's store queues.
	TenantQueueActions = []string{"SendMessage", "GetQueueUrl", "GetQueueAttributes"}
)

// SQSIDChars reports whether every byte of s is one SQS takes in a FIFO message group id or
// deduplication id: an ASCII letter, digit or punctuation character, so no space, control
// character or non-ASCII byte. Lengths are the caller's bound.
func SQSIDChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}
