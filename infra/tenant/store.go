package tenant

import (
	"errors"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

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
)

// TenantStoreProps configure NewTenantStore.
type TenantStoreProps struct {
	// Client is the store's brand. The store takes its key and settings from it, so a store
	// can never be encrypted or named for another environment than its brand.
	Client TenantClient
	// StoreID is the store's id within the brand (resourcenames.ValidateID). Never changes.
	StoreID string
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
	for _, s := range p.Client.Stores() {
		if s.StoreID() == p.StoreID {
			return fmt.Errorf("client %q declares store %q twice", p.Client.ClientID(), p.StoreID)
		}
	}
	return nil
}

// TenantStore is one store of a brand: the FIFO queue its point of sale reads confirmed
// orders from, with a dead-letter queue and an alarm on it.
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
}

type tenantStore struct {
	constructs.Construct
	clientID, storeID string
	queue, dlq        awssqs.IQueue
	alarm             awscloudwatch.IAlarm
}

func (s *tenantStore) ClientID() string                      { return s.clientID }
func (s *tenantStore) StoreID() string                       { return s.storeID }
func (s *tenantStore) Queue() awssqs.IQueue                  { return s.queue }
func (s *tenantStore) DeadLetterQueue() awssqs.IQueue        { return s.dlq }
func (s *tenantStore) DeadLetterAlarm() awscloudwatch.IAlarm { return s.alarm }

// NewTenantStore creates a store's order queue, its dead-letter queue and the alarm on it. By
// convention scope is the store's client, so that the construct tree reads brand/store. It
// panics on invalid props, like NewTenantClient.
//
// Content-based deduplication is off: the platform sends an explicit deduplication id per
// order event (order id + event), and two different events may carry identical bodies.
func NewTenantStore(scope constructs.Construct, id string, props *TenantStoreProps) TenantStore {
	if err := props.Validate(); err != nil {
		panic("tenant: " + err.Error())
	}
	client, storeID := props.Client, props.StoreID
	clientID, settings := client.ClientID(), client.Settings()
	env := settings.Env

	this := &tenantStore{clientID: clientID, storeID: storeID}
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

	this.queue, this.dlq, this.alarm = queue, dlq, alarm
	client.addStore(this)
	return this
}
