package resourcenames

import "fmt"

// The admin API (docs/admin-api.md): REST JSON under AdminPathPrefix, behind the HTTP API's
// JWT authorizer (a Cognito user pool) and checked again in the admin function.
const (
	// AdminPathPrefix is the base path of every admin route.
	AdminPathPrefix = "/admin/v1"
	// AdminOpenAPIPath serves the OpenAPI 3.1 document, generated from the route table. It is
	// the one admin route without a token.
	AdminOpenAPIPath = AdminPathPrefix + "/openapi.json"
	// AdminUIPath serves the admin web UI (package adminui), on the API's origin: its page,
	// its bundle under assets/ and its config.json, without a token.
	AdminUIPath = "/admin/"
)

// Roles of an admin user: the Cognito groups of the user pool, carried in the token's
// ClaimGroups. A user in several groups has the strongest one.
const (
	// RolePlatformAdmin runs the platform: every brand, brand creation and hard deletion, the
	// audit across brands.
	RolePlatformAdmin = "platform-admin"
	// RoleBrandAdmin manages one brand (ClaimClientID): its stores, menu, texts,
	// integrations, customers and conversations.
	RoleBrandAdmin = "brand-admin"
	// RoleBrandViewer reads one brand's configuration, conversations, orders and metrics, and
	// changes nothing.
	RoleBrandViewer = "brand-viewer"
)

// AdminRoles lists the roles, weakest first.
var AdminRoles = []string{RoleBrandViewer, RoleBrandAdmin, RolePlatformAdmin}

// Claims the admin API reads from a Cognito token.
const (
	// ClaimGroups is the list of the user's Cognito groups (its role).
	ClaimGroups = "cognito:groups"
	// ClaimClientID is the brand of a brand-admin or brand-viewer: the user pool's custom
	// attribute UserAttrClientID, which only an administrator can set (the app client
	// cannot write it).
	ClaimClientID = "custom:" + UserAttrClientID
	// UserAttrClientID is the user pool's custom attribute holding a user's brand.
	UserAttrClientID = "clientId"
)

// UserPoolName is the admin user pool of env.
func UserPoolName(env string) string { return fmt.Sprintf("wabot-%s-admins", env) }

// UserPoolClientName is the app client of the admin API and the admin UI (no secret: a
// browser holds it).
func UserPoolClientName(env string) string { return fmt.Sprintf("wabot-%s-admin", env) }

// Environment variables of the admin function.
const (
	// EnvVarJWTIssuer is the issuer the admin API accepts tokens from: the user pool's
	// https://cognito-idp.<region>.amazonaws.com/<poolId> (its JWKS is <issuer>/.well-known/jwks.json).
	EnvVarJWTIssuer = "ADMIN_JWT_ISSUER"
	// EnvVarJWTAudience is the app client id the tokens must be issued to.
	EnvVarJWTAudience = "ADMIN_JWT_AUDIENCE"
	// EnvVarLoginDomain is the base URL of the user pool's hosted sign-in
	// (https://<prefix>.auth.<region>.amazoncognito.com), where the admin UI sends users.
	EnvVarLoginDomain = "ADMIN_LOGIN_DOMAIN"
	// EnvVarAuditTable and EnvVarDailyMetricsTable name the admin tables.
	EnvVarAuditTable        = "AUDIT_TABLE"
	EnvVarDailyMetricsTable = "DAILY_METRICS_TABLE"
	// EnvVarTenantAdminRoleARN is the role the admin function assumes, tagged with the brand
	// of the request, for everything that belongs to a brand.
	EnvVarTenantAdminRoleARN = "TENANT_ADMIN_ROLE_ARN"
)

// Tables of the admin API and of the daily counters.
const (
	// AuditTable holds a record of every change made through the admin API, keyed
	// (clientId, auditKey = "<RFC 3339 nano time>#<requestId>#<n>"); platform-level changes
	// (none today) would use clientId AuditPlatformTenant. Index AuditByDayIndex lists every
	// brand's records of one day for a platform admin. Records expire after AuditRetentionDays.
	AuditTable = "WhatsAppBotAudit"
	// AuditByDayIndex: PK auditDay ("YYYY-MM-DD", UTC), SK auditKey, ALL.
	AuditByDayIndex = "auditDay-index"
	AttrAuditKey    = "auditKey"
	AttrAuditDay    = "auditDay"
	// DailyMetricsTable holds the runtime's daily counters per brand and store, keyed
	// (clientId, metricKey = "<YYYY-MM-DD>#<storeId or NoStore>"), written with atomic ADDs.
	DailyMetricsTable = "WhatsAppBotDailyMetrics"
	AttrMetricKey     = "metricKey"
)

// Indexes the admin API adds to the runtime's tables.
const (
	// BrandsIndex on WhatsAppBotClientConfig lists every brand for a platform admin: PK
	// brandList (always BrandListValue, written with every client record), SK clientId,
	// projecting the few attributes of a brand list. Brands are few and written rarely: one
	// partition is far from any limit.
	BrandsIndex    = "brandList-index"
	AttrBrandList  = "brandList"
	BrandListValue = "brand"
	// OrdersByCustomerIndex on WhatsAppBotOrders: PK customerKey "<clientId>#<phoneNumber>",
	// SK createdAt, KEYS_ONLY: a customer's orders, for the LGPD export and erasure (which
	// removes customerKey, so a pseudonymised order leaves the index).
	OrdersByCustomerIndex = "customerKey-index"
	AttrCustomerKey       = "customerKey"
	AttrCreatedAt         = "createdAt"
)

// BrandListAttributes are what BrandsIndex projects besides its keys.
var BrandListAttributes = []string{"name", "active", "defaultLanguage", "twilioPhoneNumber", "updatedAt"}

// TenantAdminRoleName is the physical name of the role the admin function assumes for a
// brand's data: the tenant access role's conditions (LeadingKeys, resource tags), with the
// write actions operators need.
func TenantAdminRoleName(env string) string { return fmt.Sprintf("wabot-%s-tenant-admin", env) }

// What the tenant admin role allows a brand's session, without the service prefix (see
// TenantTableActions): the admin function's calls on one brand's data.
var (
	TenantAdminTableActions = map[string][]string{
		ClientConfigTable:      {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
		StoreConfigTable:       {"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"},
		MenuTable:              {"GetItem", "Query", "PutItem", "DeleteItem", "BatchWriteItem"},
		PhoneMappingTable:      {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"},
		ConversationStateTable: {"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"},
		OrdersTable:            {"GetItem", "PutItem", "UpdateItem", "Query"},
		DailyMetricsTable:      {"GetItem", "Query", "UpdateItem"},
	}
	// TenantAdminSecretActions: integrations are written (PutSecretValue) and read only to
	// tell whether they are configured and their last four characters.
	TenantAdminSecretActions = []string{"GetSecretValue", "DescribeSecret", "PutSecretValue"}
	// TenantAdminQueueActions: the store queues' and their dead-letter queues' depths, and
	// SendMessage for the order.cancelled event of an order an operator cancels after the
	// store's POS received it.
	TenantAdminQueueActions = []string{"GetQueueUrl", "GetQueueAttributes", "SendMessage"}
)

// Retention of the admin tables' items (their ttl attribute).
const (
	// AuditRetentionDays: audit records are kept five years (the period of Brazil's tax and
	// consumer-protection claims), then expire.
	AuditRetentionDays = 5 * 366
	// DailyMetricsRetentionDays: daily counters are kept about two years.
	DailyMetricsRetentionDays = 2 * 366
)

// PseudonymKeySecret is the secret holding env's key for pseudonymising the orders of erased
// customers (HMAC-SHA256, package privacy): generated at deploy, never rotated (a new key would
// give a customer's old and new orders different pseudonyms). "_platform" is outside the
// brand id alphabet, so no brand's secret can be named like it.
func PseudonymKeySecret(env string) string {
	return fmt.Sprintf("wabot/%s/_platform/pseudonym-key", env)
}

// EventAuditWriteFailed is the "event" of the admin API's log line for a change whose audit
// record could not be written; the CDK app alarms on it.
const EventAuditWriteFailed = "audit_write_failed"
