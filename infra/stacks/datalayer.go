package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// DataKeyAlias is the alias of the environment's data key. Operators and the runbook find the
// key by it; it is not read by the runtime, which reaches the key through the resources it
// encrypts.
func DataKeyAlias(env string) string { return fmt.Sprintf("alias/wabot-%s-data", env) }

// DataLayerProps configure NewDataLayer.
type DataLayerProps struct {
	// Settings of the environment: names, removal policy, deletion protection, PITR.
	Settings config.Settings
}

// DataLayer is the environment's stateful core: the customer-managed key and the tables.
// Tenant constructs encrypt their queues and secrets with Key(); functions added later are
// granted access to the tables they use through these accessors.
//
// Keys start with the tenant and spread per customer, order or claim (docs/data-model.md):
// tables holding many items per brand are keyed "<clientId>#<id>" (resourcenames.AttrPK), so
// no partition takes all of a large brand's traffic (DynamoDB serves about 3,000 reads and
// 1,000 writes per second per partition), and IAM confines a tenant's credentials with a
// prefix condition on dynamodb:LeadingKeys. Per-brand and per-store listings go through
// indexes whose keys are write-sharded over resourcenames.ListingShards.
type DataLayer interface {
	constructs.Construct
	// Key is the customer-managed KMS key of tables, queues and secrets.
	Key() awskms.IKey
	// ClientConfig is WhatsAppBotClientConfig: one item per brand, key clientId. Index
	// twilioPhoneNumber-index (KEYS_ONLY) turns the number called into the clientId.
	ClientConfig() awsdynamodb.ITable
	// StoreConfig is WhatsAppBotStoreConfig: one item per (clientId, storeId); a brand's stores
	// are one Query.
	StoreConfig() awsdynamodb.ITable
	// PhoneMapping is WhatsAppBotPhoneMapping: a customer's store per brand, key pk =
	// "<clientId>#<phoneNumber>". Index brandShard-index lists a brand's customers.
	PhoneMapping() awsdynamodb.ITable
	// ConversationState is WhatsAppBotConversationState: the live conversation per brand and
	// customer, key pk = "<clientId>#<phoneNumber>", one strongly consistent GetItem away.
	// Indexes: sessionId-index (sessionKey, KEYS_ONLY) and storeShard-index (a store's
	// conversations by last message).
	ConversationState() awsdynamodb.ITable
	// Idempotency is WhatsAppBotIdempotency: delivered MessageSids and order events, key pk =
	// "<clientId>#<idempotencyKey>".
	Idempotency() awsdynamodb.ITable
	// Menu is WhatsAppBotMenu: a brand's categories and items per (clientId, menuKey), the
	// whole menu one Query on the brand's partition.
	Menu() awsdynamodb.ITable
	// Orders is WhatsAppBotOrders: one item per order, key pk = "<clientId>#<orderId>". Index
	// storeShard-status-index lists a store's orders by status and creation time.
	Orders() awsdynamodb.ITable
	// Audit is WhatsAppBotAudit: a record of every change made through the admin API, key
	// (clientId, auditKey), TTL; index auditDay-index lists a day's records of every brand.
	Audit() awsdynamodb.ITable
	// DailyMetrics is WhatsAppBotDailyMetrics: the runtime's daily counters, key (clientId,
	// metricKey = "<day>#<storeId or _>"), TTL.
	DailyMetrics() awsdynamodb.ITable
	// Tables lists every table in the order of resourcenames.Tables.All.
	Tables() []awsdynamodb.ITable
}

type dataLayer struct {
	constructs.Construct
	key                                                                     awskms.IKey
	clientConfig, storeConfig, phoneMapping, conversationState, idempotency awsdynamodb.ITable
	menu, orders, audit, dailyMetrics                                       awsdynamodb.ITable
}

func (d *dataLayer) Key() awskms.IKey                      { return d.key }
func (d *dataLayer) ClientConfig() awsdynamodb.ITable      { return d.clientConfig }
func (d *dataLayer) StoreConfig() awsdynamodb.ITable       { return d.storeConfig }
func (d *dataLayer) PhoneMapping() awsdynamodb.ITable      { return d.phoneMapping }
func (d *dataLayer) ConversationState() awsdynamodb.ITable { return d.conversationState }
func (d *dataLayer) Idempotency() awsdynamodb.ITable       { return d.idempotency }
func (d *dataLayer) Menu() awsdynamodb.ITable              { return d.menu }
func (d *dataLayer) Orders() awsdynamodb.ITable            { return d.orders }
func (d *dataLayer) Audit() awsdynamodb.ITable             { return d.audit }
func (d *dataLayer) DailyMetrics() awsdynamodb.ITable      { return d.dailyMetrics }

func (d *dataLayer) Tables() []awsdynamodb.ITable {
	return []awsdynamodb.ITable{
		d.clientConfig, d.storeConfig, d.phoneMapping, d.conversationState, d.idempotency, d.menu, d.orders,
		d.audit, d.dailyMetrics,
	}
}

// tableSpec is the part of a table that differs between tables; everything else (billing,
// encryption, backups, removal) is the same for all and set once in newTable.
type tableSpec struct {
	name         string
	partitionKey *awsdynamodb.Attribute
	sortKey      *awsdynamodb.Attribute // nil: no sort key
	ttl          bool
}

// NewDataLayer creates the environment's data key and tables. Table names come from
// resourcenames.TablesFor, and key and index names from resourcenames: they are a contract
// with the runtime and must never change. (A table's key schema cannot change in place either:
// CloudFormation replaces the table, which it refuses to do for a named table, so a change of
// keys in a deployed environment is a migration to tables of new names.)
func NewDataLayer(scope constructs.Construct, id string, props *DataLayerProps) DataLayer {
	s := props.Settings
	this := &dataLayer{}
	constructs.NewConstruct_Override(this, scope, jsii.String(id))

	key := awskms.NewKey(this, jsii.String("Key"), &awskms.KeyProps{
		Alias:             jsii.String(DataKeyAlias(s.Env)),
		Description:       jsii.String(fmt.Sprintf("wabot %s: encrypts tenant data in tables, queues and secrets", s.Env)),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     s.RemovalPolicy,
	})

	names := resourcenames.TablesFor(s.Env)
	newTable := func(id string, spec tableSpec) awsdynamodb.Table {
		props := &awsdynamodb.TableProps{
			TableName:    jsii.String(spec.name),
			PartitionKey: spec.partitionKey,
			SortKey:      spec.sortKey,
			BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
			PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
				PointInTimeRecoveryEnabled: jsii.Bool(s.PointInTimeRecovery),
			},
			Encryption:         awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
			EncryptionKey:      key,
			RemovalPolicy:      s.RemovalPolicy,
			DeletionProtection: jsii.Bool(s.DeletionProtection),
		}
		if spec.ttl {
			props.TimeToLiveAttribute = jsii.String(resourcenames.TTLAttribute)
		}
		return awsdynamodb.NewTable(this, jsii.String(id), props)
	}

	clientConfig := newTable("ClientConfig", tableSpec{name: names.ClientConfig, partitionKey: stringAttr(resourcenames.AttrClientID)})
	// The webhook knows only the number that was called (Twilio's To): this index turns it
	// into the brand's clientId, and the webhook then reads the record with a GetItem under
	// the tenant's own credentials. KEYS_ONLY: the platform-level lookup, allowed to every
	// brand's items, exposes nothing but the clientId.
	clientConfig.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(resourcenames.ClientByPhoneIndex),
		PartitionKey:   stringAttr(resourcenames.AttrTwilioPhoneNumber),
		ProjectionType: awsdynamodb.ProjectionType_KEYS_ONLY,
	})
	// Every brand, for a platform admin's list (the admin function's own role reads it; a
	// brand's record is then read with the brand's session). brandList is the same value on
	// every record: brands are few and rarely written, so one partition is plenty.
	clientConfig.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:        jsii.String(resourcenames.BrandsIndex),
		PartitionKey:     stringAttr(resourcenames.AttrBrandList),
		SortKey:          stringAttr(resourcenames.AttrClientID),
		ProjectionType:   awsdynamodb.ProjectionType_INCLUDE,
		NonKeyAttributes: jsii.Strings(resourcenames.BrandListAttributes...),
	})

	storeConfig := newTable("StoreConfig", tableSpec{
		name: names.StoreConfig, partitionKey: stringAttr(resourcenames.AttrClientID), sortKey: stringAttr(resourcenames.AttrStoreID),
	})

	// pk "<clientId>#<phoneNumber>": per brand and customer, not the seed's phoneNumber alone (a
	// customer who writes to two brands has one mapping per brand), and not under one partition
	// per brand (a large brand's customers spread over many).
	phoneMapping := newTable("PhoneMapping", tableSpec{name: names.PhoneMapping, partitionKey: stringAttr(resourcenames.AttrPK)})
	// A brand's customers: brandShard "<clientId>#<0..7>", one Query per shard, merged by
	// phoneNumber. ALL: the admin list shows the whole mapping.
	phoneMapping.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(resourcenames.MappingsByBrandIndex),
		PartitionKey:   stringAttr(resourcenames.AttrBrandShard),
		SortKey:        stringAttr(resourcenames.AttrPhoneNumber),
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})

	conversationState := newTable("ConversationState", tableSpec{
		name: names.ConversationState, partitionKey: stringAttr(resourcenames.AttrPK), ttl: true,
	})
	// For operators holding a sessionId (admin API, support): sessionKey
	// "<clientId>#<sessionId>". KEYS_ONLY: the caller follows up with a consistent GetItem on
	// pk, never trusting a lagging projection.
	conversationState.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(resourcenames.ConversationBySessionIndex),
		PartitionKey:   stringAttr(resourcenames.AttrSessionKey),
		ProjectionType: awsdynamodb.ProjectionType_KEYS_ONLY,
	})
	// A store's conversations: storeShard "<clientId>#<storeId or _>#<0..7>", sort key
	// phoneNumber, KEYS_ONLY. Nothing it holds changes on a customer's turn (only when the
	// customer changes store), so the turns, the hot path, write no index item; the operator's
	// list, which is rare, reads the keys and then the conversations (BatchGetItem).
	conversationState.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(resourcenames.ConversationsByStoreIndex),
		PartitionKey:   stringAttr(resourcenames.AttrStoreShard),
		SortKey:        stringAttr(resourcenames.AttrPhoneNumber),
		ProjectionType: awsdynamodb.ProjectionType_KEYS_ONLY,
	})

	idempotency := newTable("Idempotency", tableSpec{
		name: names.Idempotency, partitionKey: stringAttr(resourcenames.AttrPK), ttl: true,
	})

	// One item per category ("category#<id>") and per item ("item#<id>") under the brand's
	// clientId: the worker loads a brand's whole menu with one Query on its partition. A menu
	// is read from a cache and written by operators, so one partition per brand is far from
	// DynamoDB's per-partition limits.
	menu := newTable("Menu", tableSpec{
		name: names.Menu, partitionKey: stringAttr(resourcenames.AttrClientID), sortKey: stringAttr(resourcenames.AttrMenuKey),
	})

	// pk "<clientId>#<orderId>". No TTL: orders are business records (payments, point-of-sale
	// history), kept until an explicit retention policy says otherwise.
	orders := newTable("Orders", tableSpec{name: names.Orders, partitionKey: stringAttr(resourcenames.AttrPK)})
	// A store's orders: storeShard "<clientId>#<storeId>#<0..7>", sort key statusCreatedAt
	// "<status>#<createdAt>", so one status is a begins_with query in creation order.
	orders.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(resourcenames.OrdersByStoreIndex),
		PartitionKey:   stringAttr(resourcenames.AttrStoreShard),
		SortKey:        stringAttr(resourcenames.AttrStatusCreatedAt),
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	// A customer's orders (LGPD export and erasure): customerKey "<clientId>#<phoneNumber>",
	// written once when the order is created and removed when it is pseudonymised. KEYS_ONLY:
	// the caller reads each order with GetItem.
	orders.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(resourcenames.OrdersByCustomerIndex),
		PartitionKey:   stringAttr(resourcenames.AttrCustomerKey),
		SortKey:        stringAttr(resourcenames.AttrCreatedAt),
		ProjectionType: awsdynamodb.ProjectionType_KEYS_ONLY,
	})

	// The admin API's audit: per brand, in time order (auditKey "<time>#<requestId>#<n>"),
	// and per day across brands for a platform admin. Kept for resourcenames.AuditRetentionDays.
	audit := newTable("Audit", tableSpec{
		name: names.Audit, partitionKey: stringAttr(resourcenames.AttrClientID), sortKey: stringAttr(resourcenames.AttrAuditKey), ttl: true,
	})
	audit.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(resourcenames.AuditByDayIndex),
		PartitionKey:   stringAttr(resourcenames.AttrAuditDay),
		SortKey:        stringAttr(resourcenames.AttrAuditKey),
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})

	// Daily counters per brand and store: one item per (brand, day, store), incremented with
	// atomic ADDs by the worker; a brand's days are one Query on its partition.
	dailyMetrics := newTable("DailyMetrics", tableSpec{
		name: names.DailyMetrics, partitionKey: stringAttr(resourcenames.AttrClientID), sortKey: stringAttr(resourcenames.AttrMetricKey), ttl: true,
	})

	this.key = key
	this.clientConfig, this.storeConfig, this.phoneMapping = clientConfig, storeConfig, phoneMapping
	this.conversationState, this.idempotency = conversationState, idempotency
	this.menu, this.orders = menu, orders
	this.audit, this.dailyMetrics = audit, dailyMetrics
	return this
}

func stringAttr(name string) *awsdynamodb.Attribute {
	return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
}
