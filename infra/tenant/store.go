package tenant

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/tenant/registration"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Queue settings of every store. They are part of the integration contract with points of
// sale (docs describe them), so they are constants rather than per-store options.
const (
	// OrderMaxReceiveCount is how many times a POS may receive an order event without deleting
	// it before the event is parked in the dead-letter queue.
	OrderMaxReceiveCount = 5
	// OrderVisibilityTimeoutSeconds gives a POS a minute to process an event before it becomes
	// visible again.
	OrderVisibilityTimeoutSeconds = 60
	// OrderRetentionDays covers a store closed for a long weekend.
	OrderRetentionDays = 4
	// OrderDLQRetentionDays is SQS's maximum: parked orders wait for a person, who may need the
	// whole fortnight.
	OrderDLQRetentionDays = 14
	// SQSDataKeyReuseHours is how long SQS reuses a data key from the KMS key before asking
	// KMS for a new one (KmsDataKeyReusePeriodSeconds; SQS's default is 5 minutes, its
	// maximum 24 hours). Every queue of the platform uses the maximum: each new data key is a
	// KMS request for the sender and for the receiver, the dominant KMS cost of the message
	// path at the default, and a day-old data key still comes from the brand's or the
	// platform's customer-managed key, which is what the encryption requirement is about.
	SQSDataKeyReuseHours = 24
)

// TenantStoreProps configure NewTenantStore.
type TenantStoreProps struct {
	// Client is the store's brand. The store takes its key and settings from it, so a store
	// can never be encrypted or named for another environment than its brand.
	Client TenantClient
	// StoreID is the store's id within the brand (resourcenames.ValidateID). Never changes.
	StoreID string
	// StoreName is the store's display name, written into its record's storeName only when
	// the record has none (operators edit it afterwards). Default: StoreID.
	StoreName string
	// OnboardedAt is written into the record's createdAt only when it has none. Default: the
	// brand's OnboardedAt.
	OnboardedAt time.Time
}

// Validate reports the first problem with p, or nil.
func (p *TenantStoreProps) Validate() error {
	if p == nil {
		return errors.New("tenant store props are required")
	}
	if p.Client == nil {
		return fmt.Errorf("store %q: the client is required", p.StoreID)
	}
	if err := resourcenames.ValidateID("storeId", p.StoreID); err != nil {
		return fmt.Errorf("client %q: %w", p.Client.ClientID(), err)
	}
	if err := validateName("store name", p.StoreName); err != nil {
		return fmt.Errorf("store %s/%s: %w", p.Client.ClientID(), p.StoreID, err)
	}
	for _, s := range p.Client.Stores() {
		if s.StoreID() == p.StoreID {
			return fmt.Errorf("client %q declares store %q twice", p.Client.ClientID(), p.StoreID)
		}
	}
	return nil
}

// Attributes of the store's record in WhatsAppBotStoreConfig that the construct writes: the
// dynamodbav names of domain.Store's SQSQueueURL and SQSQueueARN (a test keeps them equal).
const (
	AttrSQSQueueURL = registration.AttrSQSQueueURL
	AttrSQSQueueARN = registration.AttrSQSQueueARN
)

// TenantStore is one store of a brand: the FIFO queue its point of sale reads confirmed
// orders from, with a dead-letter queue and an alarm on it, registered in the store's record
// of WhatsAppBotStoreConfig.
type TenantStore interface {
	constructs.Construct
	// ClientID is the brand's id.
	ClientID() string
	// StoreID is the store's id.
	StoreID() string
	// Queue is the store's order queue, named resourcenames.StoreOrderQueue.
	Queue() awssqs.IQueue
	// DeadLetterQueue receives order events the POS failed to process, named resourcenames.StoreOrderDLQ.
	DeadLetterQueue() awssqs.IQueue
	// DeadLetterAlarm fires when any event is parked. It has no action yet: an operators'
	// notification topic is wired to it when one exists.
	DeadLetterAlarm() awscloudwatch.IAlarm
	// StoreName is the name the store's record starts with (operators may change it).
	StoreName() string
	// Registration is the custom resource (Custom::AWS) that registers the store in its record
	// of WhatsAppBotStoreConfig: registration.StoreUpsert on create and update,
	// registration.StoreDeactivate on delete.
	Registration() customresources.AwsCustomResource
}

type tenantStore struct {
	constructs.Construct
	clientID, storeID string
	storeName         string
	queue, dlq        awssqs.IQueue
	alarm             awscloudwatch.IAlarm
	registration      customresources.AwsCustomResource
}

func (s *tenantStore) ClientID() string                      { return s.clientID }
func (s *tenantStore) StoreID() string                       { return s.storeID }
func (s *tenantStore) StoreName() string                     { return s.storeName }
func (s *tenantStore) Queue() awssqs.IQueue                  { return s.queue }
func (s *tenantStore) DeadLetterQueue() awssqs.IQueue        { return s.dlq }
func (s *tenantStore) DeadLetterAlarm() awscloudwatch.IAlarm { return s.alarm }
func (s *tenantStore) Registration() customresources.AwsCustomResource {
	return s.registration
}

// NewTenantStore creates a store's order queue, its dead-letter queue and the alarm on it, and
// registers the store in its record (see package registration). By convention scope is the store's
// client, so that the construct tree reads brand/store. It panics on invalid props, like
// NewTenantClient.
//
// Content-based deduplication is off: the platform sends an explicit deduplication id per
// order event (order id + event), and two different events may carry identical bodies.
//
// The queues follow the environment's removal policy: in staging and prod a store removed from
// the catalog (or a deleted stack) leaves its queue and dead-letter queue in place (Retain),
// with the orders its point of sale has not read yet (kept 4 and 14 days); an operator drains
// and deletes them. In dev they are deleted. Their names stay taken while they exist: to add a
// removed store again, delete or import (cdk import) the retained queues first.
func NewTenantStore(scope constructs.Construct, id string, props *TenantStoreProps) TenantStore {
	if err := props.Validate(); err != nil {
		panic("tenant: " + err.Error())
	}
	client, storeID := props.Client, props.StoreID
	clientID, settings := client.ClientID(), client.Settings()
	env := settings.Env
	storeName := props.StoreName
	if storeName == "" {
		storeName = storeID
	}
	onboarded := props.OnboardedAt
	if onboarded.IsZero() {
		onboarded = client.OnboardedAt()
	}

	this := &tenantStore{clientID: clientID, storeID: storeID, storeName: storeName}
	constructs.NewConstruct_Override(this, scope, jsii.String(id))
	// clientId too, not only inherited from the client: the store may be scoped elsewhere and
	// ABAC on queues depends on the tag being there.
	awscdk.Tags_Of(this).Add(jsii.String(resourcenames.TagClientID), jsii.String(clientID), nil)
	awscdk.Tags_Of(this).Add(jsii.String(resourcenames.TagStoreID), jsii.String(storeID), nil)

	dlq := awssqs.NewQueue(this, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		QueueName:                 jsii.String(resourcenames.StoreOrderDLQ(env, clientID, storeID)),
		Fifo:                      jsii.Bool(true),
		ContentBasedDeduplication: jsii.Bool(false),
		RetentionPeriod:           awscdk.Duration_Days(jsii.Number(OrderDLQRetentionDays)),
		Encryption:                awssqs.QueueEncryption_KMS,
		EncryptionMasterKey:       client.Key(),
		DataKeyReuse:              awscdk.Duration_Hours(jsii.Number(SQSDataKeyReuseHours)),
		EnforceSSL:                jsii.Bool(true),
		RemovalPolicy:             settings.RemovalPolicy,
	})

	queue := awssqs.NewQueue(this, jsii.String("Queue"), &awssqs.QueueProps{
		QueueName:                 jsii.String(resourcenames.StoreOrderQueue(env, clientID, storeID)),
		Fifo:                      jsii.Bool(true),
		ContentBasedDeduplication: jsii.Bool(false),
		RetentionPeriod:           awscdk.Duration_Days(jsii.Number(OrderRetentionDays)),
		VisibilityTimeout:         awscdk.Duration_Seconds(jsii.Number(OrderVisibilityTimeoutSeconds)),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			MaxReceiveCount: jsii.Number(OrderMaxReceiveCount),
			Queue:           dlq,
		},
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: client.Key(),
		DataKeyReuse:        awscdk.Duration_Hours(jsii.Number(SQSDataKeyReuseHours)),
		EnforceSSL:          jsii.Bool(true),
		RemovalPolicy:       settings.RemovalPolicy,
	})

	// Maximum over 5 minutes: one parked order is already a customer who paid and whose
	// order a kitchen did not get. Missing data means an idle queue, not a problem.
	alarm := awscloudwatch.NewAlarm(this, jsii.String("DeadLetterAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String(fmt.Sprintf("wabot %s: order events of store %s/%s are parked in %s",
			env, clientID, storeID, resourcenames.StoreOrderDLQ(env, clientID, storeID))),
		Metric: dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Period:    awscdk.Duration_Minutes(jsii.Number(5)),
			Statistic: awscloudwatch.Stats_MAXIMUM(),
		}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		DatapointsToAlarm:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})

	table := client.StoreTable()
	this.registration = register(this, "Registration", table, settings, clientID+"/"+storeID,
		registration.StoreUpsert(*table.TableName(), registration.Store{
			ClientID: clientID, StoreID: storeID,
			QueueURL: *queue.QueueUrl(), QueueARN: *queue.QueueArn(),
			StoreName: storeName, CreatedAt: formatTime(onboarded),
		}),
		registration.StoreDeactivate(*table.TableName(), clientID, storeID))
	this.queue, this.dlq, this.alarm = queue, dlq, alarm
	client.addStore(this)
	return this
}
