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
type DataLayer interface {
	constructs.Construct
	// Key is the customer-managed KMS key of tables, queues and secrets.
	Key() awskms.IKey
	// ClientConfig is WhatsAppBotClientConfig: one item per brand, found by twilioPhoneNumber.
	ClientConfig() awsdynamodb.ITable
	// StoreConfig is WhatsAppBotStoreConfig: one item per (clientId, storeId).
	StoreConfig() awsdynamodb.ITable
	// PhoneMapping is WhatsAppBotPhoneMapping: a customer's store per (clientId, phoneNumber).
	PhoneMapping() awsdynamodb.ITable
	// ConversationState is WhatsAppBotConversationState: the live conversation per
	// (clientId, phoneNumber), one strongly consistent key read away.
	ConversationState() awsdynamodb.ITable
	// Idempotency is WhatsAppBotIdempotency: delivered MessageSids and order events, by client.
	Idempotency() awsdynamodb.ITable
	// Menu is WhatsAppBotMenu: a brand's categories and items per (clientId, menuKey), the
	// whole menu one Query on the brand's partition.
	Menu() awsdynamodb.ITable
	// Orders is WhatsAppBotOrders: one item per (clientId, orderId).
	Orders() awsdynamodb.ITable
	// Tables lists every table in the order of resourcenames.Tables.All.
	Tables() []awsdynamodb.ITable
}

type dataLayer struct {
	constructs.Construct
	key                                                                     awskms.IKey
	clientConfig, storeConfig, phoneMapping, conversationState, idempotency awsdynamodb.ITable
	menu, orders                                                            awsdynamodb.ITable
}

func (d *dataLayer) Key() awskms.IKey                      { return d.key }
func (d *dataLayer) ClientConfig() awsdynamodb.ITable      { return d.clientConfig }
func (d *dataLayer) StoreConfig() awsdynamodb.ITable       { return d.storeConfig }
func (d *dataLayer) PhoneMapping() awsdynamodb.ITable      { return d.phoneMapping }
func (d *dataLayer) ConversationState() awsdynamodb.ITable { return d.conversationState }
func (d *dataLayer) Idempotency() awsdynamodb.ITable       { return d.idempotency }
func (d *dataLayer) Menu() awsdynamodb.ITable              { return d.menu }
func (d *dataLayer) Orders() awsdynamodb.ITable            { return d.orders }

func (d *dataLayer) Tables() []awsdynamodb.ITable {
	return []awsdynamodb.ITable{
		d.clientConfig, d.storeConfig, d.phoneMapping, d.conversationState, d.idempotency, d.menu, d.orders,
	}
}

// tableSpec is the part of a table that differs between tables; everything else (billing,
// encryption, backups, removal) is the same for all and set once in newTable.
type tableSpec struct {
	name         string
	partitionKey string
	sortKey      string // empty: no sort key
	ttl          bool
}

// NewDataLayer creates the environment's data key and tables. Table names come from
// resourcenames.TablesFor: they are a contract with the runtime and must never change.
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
			PartitionKey: stringAttr(spec.partitionKey),
			BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
			PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
				PointInTimeRecoveryEnabled: jsii.Bool(s.PointInTimeRecovery),
			},
			Encryption:         awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
			EncryptionKey:      key,
			RemovalPolicy:      s.RemovalPolicy,
			DeletionProtection: jsii.Bool(s.DeletionProtection),
		}
		if spec.sortKey != "" {
			props.SortKey = stringAttr(spec.sortKey)
		}
		if spec.ttl {
			props.TimeToLiveAttribute = jsii.String(resourcenames.TTLAttribute)
		}
		return awsdynamodb.NewTable(this, jsii.String(id), props)
	}

	clientConfig := newTable("ClientConfig", tableSpec{name: names.ClientConfig, partitionKey: resourcenames.AttrClientID})
	// The webhook knows only the number that was called (Twilio's To): this index turns it
	// into the brand. ALL, so that one query returns the whole client config.
	clientConfig.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(resourcenames.ClientByPhoneIndex),
		PartitionKey:   stringAttr(resourcenames.AttrTwilioPhoneNumber),
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})

	storeConfig := newTable("StoreConfig", tableSpec{name: names.StoreConfig, partitionKey: resourcenames.AttrClientID, sortKey: resourcenames.AttrStoreID})

	// Keyed by (clientId, phoneNumber), not the seed's phoneNumber alone: a customer who writes
	// to two brands has one mapping per brand instead of one overwriting the other.
	phoneMapping := newTable("PhoneMapping", tableSpec{name: names.PhoneMapping, partitionKey: resourcenames.AttrClientID, sortKey: resourcenames.AttrPhoneNumber})

	conversationState := newTable("ConversationState", tableSpec{
		name: names.ConversationState, partitionKey: resourcenames.AttrClientID, sortKey: resourcenames.AttrPhoneNumber, ttl: true,
	})
	// For operators holding a sessionId (admin API, support). KEYS_ONLY: the caller follows up
	// with a consistent GetItem on the table key, never trusting a lagging projection.
	conversationState.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(resourcenames.ConversationBySessionIndex),
		PartitionKey:   stringAttr(resourcenames.AttrClientID),
		SortKey:        stringAttr(resourcenames.AttrSessionID),
		ProjectionType: awsdynamodb.ProjectionType_KEYS_ONLY,
	})

	idempotency := newTable("Idempotency", tableSpec{
		name: names.Idempotency, partitionKey: resourcenames.AttrClientID, sortKey: resourcenames.AttrIdempotencyKey, ttl: true,
	})

	// One item per category ("category#<id>") and per item ("item#<id>") under the brand's
	// clientId: the worker loads a brand's whole menu with one Query on its partition.
	menu := newTable("Menu", tableSpec{name: names.Menu, partitionKey: resourcenames.AttrClientID, sortKey: resourcenames.AttrMenuKey})

	// No TTL: orders are business records (payments, point-of-sale history), kept until an
	// explicit retention policy says otherwise.
	orders := newTable("Orders", tableSpec{name: names.Orders, partitionKey: resourcenames.AttrClientID, sortKey: resourcenames.AttrOrderID})

	this.key = key
	this.clientConfig, this.storeConfig, this.phoneMapping = clientConfig, storeConfig, phoneMapping
	this.conversationState, this.idempotency = conversationState, idempotency
	this.menu, this.orders = menu, orders
	return this
}

func stringAttr(name string) *awsdynamodb.Attribute {
	return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
}
