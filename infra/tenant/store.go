package tenant

import (
	"errors"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/wabot-platform/wabot/infra/config"
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

// Attributes of the store's record in WhatsAppBotStoreConfig that the construct writes: the
// dynamodbav names of domain.Store's SQSQueueURL and SQSQueueARN (a test keeps them equal).
const (
	AttrSQSQueueURL = "sqsQueueUrl"
	AttrSQSQueueARN = "sqsQueueArn"
)

// RegistrationUpdateExpression is the one change the construct makes to a store's record: it
// sets the queue's two attributes and leaves every other attribute (what operators maintain:
// name, hours, delivery, isActive, version) as it is.
const RegistrationUpdateExpression = "SET " + AttrSQSQueueURL + " = :u, " + AttrSQSQueueARN + " = :a"

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
	// Registration is the custom resource that writes Queue's URL and ARN into the store's
	// record of WhatsAppBotStoreConfig (RegistrationUpdateExpression).
	Registration() customresources.AwsCustomResource
}

type tenantStore struct {
	constructs.Construct
	clientID, storeID string
	queue, dlq        awssqs.IQueue
	alarm             awscloudwatch.IAlarm
	registration      customresources.AwsCustomResource
}

func (s *tenantStore) ClientID() string                      { return s.clientID }
func (s *tenantStore) StoreID() string                       { return s.storeID }
func (s *tenantStore) Queue() awssqs.IQueue                  { return s.queue }
func (s *tenantStore) DeadLetterQueue() awssqs.IQueue        { return s.dlq }
func (s *tenantStore) DeadLetterAlarm() awscloudwatch.IAlarm { return s.alarm }
func (s *tenantStore) Registration() customresources.AwsCustomResource {
	return s.registration
}

// NewTenantStore creates a store's order queue, its dead-letter queue and the alarm on it, and
// registers the queue in the store's record (see registerQueue). By convention scope is the
// store's client, so that the construct tree reads brand/store. It panics on invalid props,
// like NewTenantClient.
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

	this.registration = registerQueue(this, client.StoreTable(), settings, clientID, storeID, queue)
	this.queue, this.dlq, this.alarm = queue, dlq, alarm
	client.addStore(this)
	return this
}

// kmsTableWriteActions are what a DynamoDB write on a table encrypted with a customer-managed
// key needs on the key: the set CDK's Table.grantWriteData grants (stacks uses the same).
var kmsTableWriteActions = []*string{
	jsii.String("kms:Decrypt"), jsii.String("kms:DescribeKey"), jsii.String("kms:Encrypt"),
	jsii.String("kms:ReEncrypt*"), jsii.String("kms:GenerateDataKey*"),
}

// registerQueue writes queue's URL and ARN into the store's record of table (key clientId +
// storeId) on create and on every update of the custom resource, with one UpdateItem of
// RegistrationUpdateExpression. The runtime reads the queue's address from that record and
// never rebuilds it from a name, so the record is the one place a queue is found; UpdateItem
// rather than PutItem so that operators' edits to the rest of the record survive a deploy.
//
// There is no onDelete: removing a store from the catalog deletes its queue, and operators
// deactivate the record (isActive) themselves; erasing attributes from a record someone may
// still be editing is not the deploy's job. If the record does not exist yet, UpdateItem
// creates it with the key and the two attributes only: isActive is absent (false), so the
// runtime offers no such store until an operator completes the record.
//
// The function that makes the call is the stack's one AwsCustomResource provider; it runs
// with the role of storeRegistrar, and this call's policy adds UpdateItem on table alone (no
// index, no other action) plus what the write needs on the table's key.
func registerQueue(scope constructs.Construct, table awsdynamodb.ITable, settings config.Settings,
	clientID, storeID string, queue awssqs.IQueue) customresources.AwsCustomResource {
	call := &customresources.AwsSdkCall{
		Service: jsii.String("DynamoDB"),
		Action:  jsii.String("updateItem"),
		Parameters: map[string]any{
			"TableName": table.TableName(),
			"Key": map[string]any{
				resourcenames.AttrClientID: map[string]any{"S": clientID},
				resourcenames.AttrStoreID:  map[string]any{"S": storeID},
			},
			"UpdateExpression": RegistrationUpdateExpression,
			"ExpressionAttributeValues": map[string]any{
				":u": map[string]any{"S": queue.QueueUrl()},
				":a": map[string]any{"S": queue.QueueArn()},
			},
		},
		// Fixed per store: an update never looks like a replacement to CloudFormation.
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(clientID + "/" + storeID)),
	}
	statements := []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:UpdateItem"),
		Resources: &[]*string{table.TableArn()},
	})}
	if key := table.EncryptionKey(); key != nil {
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   &kmsTableWriteActions,
			Resources: &[]*string{key.KeyArn()},
		}))
	}
	reg := storeRegistrar(scope, settings)
	cr := customresources.NewAwsCustomResource(scope, jsii.String("QueueRegistration"), &customresources.AwsCustomResourceProps{
		OnCreate: call,
		OnUpdate: call,
		Policy:   customresources.AwsCustomResourcePolicy_FromStatements(&statements),
		Role:     reg.Role(),
		LogGroup: reg.Logs(),
		// The SDK in the Lambda runtime has UpdateItem; installing the latest at deploy time
		// would make every deploy depend on npm being reachable from the function.
		InstallLatestAwsSdk: jsii.Bool(false),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(cr, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("kms:GenerateDataKey* and kms:ReEncrypt* on the environment's data key alone: the " +
			"action families CDK grants for a DynamoDB write to a table encrypted with a customer-managed key, " +
			"needed by the UpdateItem that registers the store's queue in its WhatsAppBotStoreConfig record."),
		AppliesTo: &[]any{jsii.String("Action::kms:GenerateDataKey*"), jsii.String("Action::kms:ReEncrypt*")},
	}}, jsii.Bool(true))
	return cr
}

// registrar is the role and log group of the stack's AwsCustomResource provider function.
// AwsCustomResource creates that function once per stack (a singleton) and gives it the role
// and log group of the first custom resource, so every store must pass the same ones: they
// live at the stack's root, made by the first store and found by the others.
type registrar struct {
	constructs.Construct
	role awsiam.Role
	logs awslogs.LogGroup
}

// Role and Logs are the provider function's. (jsii also requires a type registered with
// NewConstruct_Override to have methods with pointer receivers.)
func (r *registrar) Role() awsiam.Role      { return r.role }
func (r *registrar) Logs() awslogs.LogGroup { return r.logs }

// registrarID is the construct id of the stack's registrar.
const registrarID = "StoreQueueRegistrar"

// storeRegistrar returns the registrar of scope's stack, creating it on first use.
//
// A role of our own, like the runtime's functions: the provider's default role carries the
// managed AWSLambdaBasicExecutionRole, which allows writing to every log group (and is
// AwsSolutions-IAM4). This one may write to its own log group, with the environment's
// retention, and receives each store's UpdateItem policy.
func storeRegistrar(scope constructs.Construct, settings config.Settings) *registrar {
	stack := awscdk.Stack_Of(scope)
	if existing := stack.Node().TryFindChild(jsii.String(registrarID)); existing != nil {
		r, ok := existing.(*registrar)
		if !ok {
			panic(fmt.Sprintf("tenant: %s of stack %s is not the store queue registrar", registrarID, *stack.StackName()))
		}
		return r
	}
	r := &registrar{}
	constructs.NewConstruct_Override(r, stack, jsii.String(registrarID))
	r.logs = awslogs.NewLogGroup(r, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     settings.LogRetention,
		RemovalPolicy: settings.RemovalPolicy,
	})
	r.role = awsiam.NewRole(r, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("wabot %s: registers each store's order queue in its %s record",
			settings.Env, resourcenames.StoreConfigTable)),
	})
	r.logs.GrantWrite(r.role)
	return r
}
