package stacks

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/infra/tenant"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Runtime settings. The timeouts and the queue settings depend on each other and on Twilio,
// so they are constants here rather than per-environment options. What does differ per
// environment, the concurrency of the functions and the API's throttle, is in config.Settings.
const (
	// WebhookTimeoutSeconds stays well under the 15 seconds after which Twilio gives up on a
	// webhook: the webhook only verifies, records and enqueues. Twilio's own read timeout per
	// attempt is shorter still (rt in resourcenames.WebhookRetryFragment).
	WebhookTimeoutSeconds = 10
	// WorkerTimeoutSeconds bounds one batch of conversation turns (model and Twilio calls).
	// The worker watches its deadline: it starts no new customer's burst with less than 32 s
	// left (a turn may spend 12 s on the language model) and sends no reply with less than
	// 12 s left (a Twilio call may take 10 s), and reports what it did not process as
	// failures. 60 s leaves room for several customers' turns per batch before that margin.
	WorkerTimeoutSeconds = 60
	// WebhookMemoryMB and WorkerMemoryMB: Lambda's CPU share grows with memory; the worker
	// does the heavier work.
	WebhookMemoryMB = 256
	WorkerMemoryMB  = 512
	// InboundVisibilityTimeoutSeconds is six times the worker's timeout, as AWS advises for a
	// queue that is a Lambda event source: a batch that is retried after a throttle must not
	// become visible again while a first attempt is still running.
	InboundVisibilityTimeoutSeconds = 6 * WorkerTimeoutSeconds
	// InboundMaxReceiveCount is how often the worker may fail a message before it is parked.
	InboundMaxReceiveCount = 5
	// InboundRetentionDays is SQS's default, stated: a worker outage of days is an incident.
	InboundRetentionDays = 4
	// InboundDLQRetentionDays is SQS's maximum: parked messages wait for a person.
	InboundDLQRetentionDays = 14
	// InboundBacklogAlarmSeconds is the age of the oldest inbound message that raises the
	// backlog alarm: the worker's backoffs together (sqsworker.DefaultBackoff, about 6
	// minutes) and a few turns.
	InboundBacklogAlarmSeconds = 600
	// WorkerBatchSize is the maximum batch of a FIFO event source.
	WorkerBatchSize = 10
)

// The payment webhook: Asaas posts a brand's payment events to AsaasWebhookPath, served by
// the webhook function (shared/edge/asaashook). The brand is the path's clientId; Asaas
// authenticates with the asaas-access-token header (the brand's webhookToken), which the
// handler compares in constant time before doing anything.
const (
	// AsaasWebhookPath is the route, and the path to configure on each brand's Asaas webhook
	// (PublicBaseURL or the API's endpoint, plus this path with the brand's clientId).
	AsaasWebhookPath = resourcenames.AsaasWebhookPathPrefix + "{clientId}"
)

// AsaasWebhookThrottle is the route-level throttle of AsaasWebhookPath, from the stage's
// (config.Settings.APIRateLimit and APIBurstLimit): half of each, at least 1. Payment events
// are a few per order, far fewer than the messages of a conversation, and Asaas delivers a
// brand's events one at a time; the cap keeps a flood of forged payment calls (answered 401
// fast, but each an invocation) from taking the whole of the webhook's reserved concurrency,
// which Twilio's messages need.
func AsaasWebhookThrottle(s config.Settings) (burst, rate int) {
	return max(s.APIBurstLimit/2, 1), max(s.APIRateLimit/2, 1)
}

// AsaasWebhookURL is the URL to configure as brand clientID's Asaas webhook: base (the public
// base URL, "https://host", no trailing slash) + AsaasWebhookPath with the brand.
func AsaasWebhookURL(base, clientID string) string {
	return base + strings.Replace(AsaasWebhookPath, "{clientId}", clientID, 1)
}

// accessLogFormat is the API's access log line: who called which route and how it went.
// Bodies are never logged (HTTP APIs cannot log them); the path carries no query string.
const accessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey",` +
	`"path":"$context.path","status":"$context.status","protocol":"$context.protocol",` +
	`"responseLength":"$context.responseLength","responseLatency":"$context.responseLatency",` +
	`"integrationStatus":"$context.integrationStatus","integrationLatency":"$context.integrationLatency",` +
	`"integrationError":"$context.integrationErrorMessage","error":"$context.error.message",` +
	`"userAgent":"$context.identity.userAgent"}`

// RuntimeProps configure NewRuntime.
type RuntimeProps struct {
	// Data is the environment's key and tables.
	Data DataLayer
	// Settings of the environment: names, log retention, removal policy.
	Settings config.Settings
	// AssetsDir holds <AssetsDir>/webhook/bootstrap and <AssetsDir>/worker/bootstrap (see
	// CheckLambdaAssets).
	AssetsDir string
	// PublicBaseURL, when set, is the webhook's PUBLIC_BASE_URL: the origin Twilio is
	// configured with when it is not the API's own (ValidatePublicBaseURL).
	PublicBaseURL string
}

// Validate reports the first problem with p, or nil.
func (p *RuntimeProps) Validate() error {
	if p == nil {
		return errors.New("runtime props are required")
	}
	if p.Data == nil {
		return errors.New("runtime: the data layer is required")
	}
	if !resourcenames.ValidEnv(p.Settings.Env) {
		return fmt.Errorf("runtime: unknown environment %q", p.Settings.Env)
	}
	if err := p.Settings.Validate(); err != nil {
		return fmt.Errorf("runtime: %w", err)
	}
	if err := CheckLambdaAssets(p.AssetsDir); err != nil {
		return err
	}
	if p.PublicBaseURL != "" {
		if err := ValidatePublicBaseURL(p.PublicBaseURL); err != nil {
			return fmt.Errorf("runtime: %w", err)
		}
	}
	return nil
}

// Runtime is the path of one WhatsApp message: the HTTP API and webhook function that accept
// it from Twilio, the inbound FIFO queue (with its dead-letter queue) that holds it, and the
// worker function that runs the conversation.
type Runtime interface {
	constructs.Construct
	// API is the HTTP API: POST resourcenames.WebhookPath (Twilio) and POST AsaasWebhookPath
	// (Asaas) here, and the admin routes under resourcenames.AdminPathPrefix, which NewAdmin
	// adds.
	API() awsapigatewayv2.HttpApi
	// WebhookURL is the URL to configure in the Twilio console: PublicBaseURL or the API's
	// endpoint, plus resourcenames.WebhookPath and resourcenames.WebhookRetryFragment (see
	// resourcenames.WebhookURLForTwilio).
	WebhookURL() *string
	// WebhookFunction verifies and enqueues Twilio's requests and Asaas's payment events.
	WebhookFunction() awslambda.IFunction
	// WorkerFunction consumes the inbound queue.
	WorkerFunction() awslambda.IFunction
	// InboundQueue is the FIFO queue from webhook to worker, named resourcenames.InboundQueue.
	InboundQueue() awssqs.IQueue
	// InboundDeadLetterQueue holds messages the worker failed InboundMaxReceiveCount times
	// and those it parked at once as permanent failures.
	InboundDeadLetterQueue() awssqs.IQueue
	// Stage is the API's $default stage, throttled and logged (the Asaas route and the admin
	// routes have route-level throttles of their own, see ThrottleRoute): its metrics are
	// mostly the webhook's as Twilio sees it (5xx, latency).
	Stage() awsapigatewayv2.IHttpStage
	// ThrottleRoute gives the route key ("POST /path") of routes its own throttle on the
	// stage, which overrides the stage's default for it. The stage's route settings are one
	// property: every construct that throttles a route goes through here, so none overwrites
	// another's.
	ThrottleRoute(key string, burst, rate int, routes ...awsapigatewayv2.HttpRoute)
	// TenantRole is the tenant access role (resourcenames.TenantAccessRoleName): the one way
	// the functions reach a brand's items, secrets, store queues and inference profile.
	TenantRole() awsiam.IRole
	// Alarms are the runtime's alarms (parked messages, function errors and throttles, the
	// inbound backlog, missing templates, API 5xx, the payment webhook refused or failed). Their action is the operations alarm
	// topic, which an aspect adds to every alarm of the stack (see NewOperations).
	Alarms() []awscloudwatch.IAlarm
}

type runtime struct {
	constructs.Construct
	api             awsapigatewayv2.HttpApi
	stage           awsapigatewayv2.IHttpStage
	tenantRole      awsiam.IRole
	webhookURL      *string
	webhook, worker awslambda.IFunction
	queue, dlq      awssqs.IQueue
	alarms          []awscloudwatch.IAlarm
	routeSettings   map[string]any
}

func (r *runtime) API() awsapigatewayv2.HttpApi          { return r.api }
func (r *runtime) WebhookURL() *string                   { return r.webhookURL }
func (r *runtime) WebhookFunction() awslambda.IFunction  { return r.webhook }
func (r *runtime) WorkerFunction() awslambda.IFunction   { return r.worker }
func (r *runtime) InboundQueue() awssqs.IQueue           { return r.queue }
func (r *runtime) InboundDeadLetterQueue() awssqs.IQueue { return r.dlq }
func (r *runtime) Stage() awsapigatewayv2.IHttpStage     { return r.stage }
func (r *runtime) TenantRole() awsiam.IRole              { return r.tenantRole }

func (r *runtime) ThrottleRoute(key string, burst, rate int, routes ...awsapigatewayv2.HttpRoute) {
	stage, ok := r.stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	if !ok {
		panic("stacks: the API's stage has no CloudFormation stage")
	}
	if r.routeSettings == nil {
		r.routeSettings = map[string]any{}
	}
	r.routeSettings[key] = map[string]any{"ThrottlingBurstLimit": burst, "ThrottlingRateLimit": rate}
	stage.SetRouteSettings(r.routeSettings)
	// A route's settings need the route: CloudFormation must create it first.
	for _, route := range routes {
		stage.Node().AddDependency(route)
	}
}

func (r *runtime) Alarms() []awscloudwatch.IAlarm {
	return append([]awscloudwatch.IAlarm(nil), r.alarms...)
}

// NewRuntime creates the runtime path. It panics on invalid props (a missing binary among
// them), like the tenant constructs.
//
// Each function has a role of its own with platform-level access only, what is the same for
// every brand; everything of one brand (items, secrets, store queues, inference profile) is
// reached through the tenant access role, assumed per brand with the session tag clientId
// (see newTenantAccessRole and security.go).
//
// The webhook's role may, and only:
//   - Query ClientConfig's twilioPhoneNumber-index (the index ARN, not the table): the brand
//     is found by the number Twilio called, before any brand is known;
//   - GetItem, PutItem, UpdateItem and DeleteItem on the idempotency table: claim a
//     MessageSid, release the claim when the enqueue fails;
//   - SendMessage to the inbound queue;
//   - assume the tenant role with a session tag (to read the brand's Twilio and Asaas
//     secrets, and the order of a payment event: GetItem on orders under LeadingKeys);
//   - write its own log group, send X-Ray traces, and use the data key through DynamoDB and
//     SQS only.
//
// The worker's role may, and only:
//   - GetItem, PutItem, UpdateItem, DeleteItem and BatchWriteItem on the idempotency table:
//     claims of turns and order events;
//   - consume the inbound queue (the event source's grant, which includes
//     ChangeMessageVisibility, with which a failed message's retry is delayed);
//   - SendMessage to the inbound dead-letter queue: a message it can never process is parked;
//   - GetSecretValue on the pseudonymisation key (granted in stack.go, where the admin
//     construct that creates it exists): a customer erased in the chat;
//   - assume the tenant role with a session tag (everything of one brand);
//   - write its own log group, send X-Ray traces, and use the data key through DynamoDB and
//     SQS only.
//
// Both are explicitly denied Scan, PartiQL and exports on every table.
func NewRuntime(scope constructs.Construct, id string, props *RuntimeProps) Runtime {
	if err := props.Validate(); err != nil {
		panic("stacks: " + err.Error())
	}
	p := *props
	s, data, env := p.Settings, p.Data, p.Settings.Env
	this := &runtime{}
	constructs.NewConstruct_Override(this, scope, jsii.String(id))

	// ---- inbound queue ----------------------------------------------------------------
	// Content-based deduplication is off: the webhook sends MessageDeduplicationId =
	// MessageSid (two messages with the same text are still two messages) and MessageGroupId
	// = clientId + sender, so one customer's messages are processed in order, one at a time.
	dlq := awssqs.NewQueue(this, jsii.String("InboundDeadLetterQueue"), &awssqs.QueueProps{
		QueueName:                 jsii.String(resourcenames.InboundDLQ(env)),
		Fifo:                      jsii.Bool(true),
		ContentBasedDeduplication: jsii.Bool(false),
		RetentionPeriod:           awscdk.Duration_Days(jsii.Number(InboundDLQRetentionDays)),
		Encryption:                awssqs.QueueEncryption_KMS,
		EncryptionMasterKey:       data.Key(),
		DataKeyReuse:              awscdk.Duration_Hours(jsii.Number(tenant.SQSDataKeyReuseHours)),
		EnforceSSL:                jsii.Bool(true),
		RemovalPolicy:             s.RemovalPolicy,
	})
	queue := awssqs.NewQueue(this, jsii.String("InboundQueue"), &awssqs.QueueProps{
		QueueName:                 jsii.String(resourcenames.InboundQueue(env)),
		Fifo:                      jsii.Bool(true),
		ContentBasedDeduplication: jsii.Bool(false),
		RetentionPeriod:           awscdk.Duration_Days(jsii.Number(InboundRetentionDays)),
		VisibilityTimeout:         awscdk.Duration_Seconds(jsii.Number(InboundVisibilityTimeoutSeconds)),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			MaxReceiveCount: jsii.Number(InboundMaxReceiveCount),
			Queue:           dlq,
		},
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: data.Key(),
		DataKeyReuse:        awscdk.Duration_Hours(jsii.Number(tenant.SQSDataKeyReuseHours)),
		EnforceSSL:          jsii.Bool(true),
		RemovalPolicy:       s.RemovalPolicy,
	})

	// ---- functions --------------------------------------------------------------------
	// Names from the tables themselves (a Ref), so that the function depends on its tables.
	common := map[string]*string{
		resourcenames.EnvVarEnvironment:      jsii.String(env),
		resourcenames.EnvVarClientTable:      data.ClientConfig().TableName(),
		resourcenames.EnvVarStoreTable:       data.StoreConfig().TableName(),
		resourcenames.EnvVarMappingTable:     data.PhoneMapping().TableName(),
		resourcenames.EnvVarConversationTbl:  data.ConversationState().TableName(),
		resourcenames.EnvVarIdempotencyTable: data.Idempotency().TableName(),
		resourcenames.EnvVarMetricsNamespace: jsii.String(resourcenames.MetricNamespace),
	}
	webhookEnv := map[string]*string{
		resourcenames.EnvVarInboundQueueURL: queue.QueueUrl(),
		// The payment webhook reads the order of a payment event (its store, its customer:
		// the inbound message's group) with the brand's session: GetItem under the tenant
		// role's LeadingKeys condition. The webhook's own role has no access to the table.
		resourcenames.EnvVarOrdersTable: data.Orders().TableName(),
	}
	if p.PublicBaseURL != "" {
		webhookEnv[resourcenames.EnvVarPublicBaseURL] = jsii.String(p.PublicBaseURL)
	}
	for k, v := range common {
		webhookEnv[k] = v
	}

	webhook := newGoFunction(this, "Webhook", goFunctionSpec{
		settings:    s,
		name:        WebhookAsset,
		key:         data.Key(),
		code:        filepath.Join(p.AssetsDir, WebhookAsset),
		description: fmt.Sprintf("wabot %s: Twilio and Asaas webhooks (verify, record the message or payment event, enqueue)", env),
		memoryMB:    WebhookMemoryMB,
		timeout:     WebhookTimeoutSeconds,
		reserved:    s.WebhookReservedConcurrency,
		environment: webhookEnv,
	})
	// Menus are the worker's alone: the webhook never reads a menu, so it is not told where
	// they are; of orders it only reads one per payment event, through the brand's session.
	// Nor is it told where the dead-letter queue is: only the worker parks messages there.
	workerEnv := map[string]*string{
		resourcenames.EnvVarMenuTable:     data.Menu().TableName(),
		resourcenames.EnvVarOrdersTable:   data.Orders().TableName(),
		resourcenames.EnvVarInboundDLQURL: dlq.QueueUrl(),
		// The daily counters per brand and store, written with the brand's session
		// (UpdateItem with atomic ADDs) and read with it for the brand's daily token budget
		// (Query on the brand's partition; resourcenames.TenantTableActions).
		resourcenames.EnvVarDailyMetricsTable: data.DailyMetrics().TableName(),
		// The worker delays a failed message's retry with ChangeMessageVisibility, which
		// needs the queue's URL (the event carries only its ARN).
		resourcenames.EnvVarInboundQueueURL: queue.QueueUrl(),
	}
	for k, v := range common {
		workerEnv[k] = v
	}
	worker := newGoFunction(this, "Worker", goFunctionSpec{
		settings:    s,
		name:        WorkerAsset,
		key:         data.Key(),
		code:        filepath.Join(p.AssetsDir, WorkerAsset),
		description: fmt.Sprintf("wabot %s: conversation worker (inbound queue, one turn per customer at a time)", env),
		memoryMB:    WorkerMemoryMB,
		timeout:     WorkerTimeoutSeconds,
		reserved:    s.WorkerReservedConcurrency,
		environment: workerEnv,
	})

	// ---- permissions ------------------------------------------------------------------
	tenantRole := newTenantAccessRole(this, "TenantAccessRole", env, data, webhook.role, worker.role)
	for _, fn := range []goFunction{webhook, worker} {
		fn.fn.AddEnvironment(jsii.String(resourcenames.EnvVarTenantRoleARN), tenantRole.RoleArn(), nil)
		grantAssumeTenantRole(fn.role, tenantRole)
		grantDataKeyVia(fn.role, data.Key(), viaDynamoDB, viaSQS)
		denyScans(fn.role, data)
	}
	// The webhook knows only the number Twilio called: the brand comes from the index, whose
	// projection (ALL) is the whole client record, so the table itself is never read.
	webhook.role.AddToPrincipalPolicy(allow("FindBrandByNumber", []string{"dynamodb:Query"},
		[]*string{indexArn(data.ClientConfig(), resourcenames.ClientByPhoneIndex)}, nil))
	webhook.role.AddToPrincipalPolicy(allow("ClaimMessageSids",
		[]string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
		[]*string{data.Idempotency().TableArn()}, nil))
	webhook.role.AddToPrincipalPolicy(allow("Enqueue", []string{"sqs:SendMessage"}, []*string{queue.QueueArn()}, nil))

	worker.role.AddToPrincipalPolicy(allow("ClaimTurnsAndOrderEvents",
		[]string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"},
		[]*string{data.Idempotency().TableArn()}, nil))
	// A message the worker can never process (undecodable, a deleted brand) is parked at once
	// in the inbound dead-letter queue instead of being received InboundMaxReceiveCount times
	// first. SQS still moves there what fails that often. SendMessage only: reading or
	// deleting what is parked is an operator's redrive.
	worker.role.AddToPrincipalPolicy(allow("ParkInDeadLetterQueue", []string{"sqs:SendMessage"}, []*string{dlq.QueueArn()}, nil))
	// FIFO: no batching window (Lambda refuses one on FIFO queues). Partial batch responses:
	// when a customer's message fails, the worker reports it and every later message of the
	// same message group (that customer) in the batch, and nothing of the other groups, which
	// are deleted. Order is kept per group, the only order FIFO promises; one customer's
	// failure no longer sends the rest of the batch back. The worker backs a failed message
	// off with ChangeMessageVisibility on the inbound queue: the event source's consume grant
	// (Queue.grantConsumeMessages: ReceiveMessage, ChangeMessageVisibility, DeleteMessage,
	// GetQueueAttributes, GetQueueUrl and kms:Decrypt) already allows it, so nothing is added.
	// MaxConcurrency caps the customers served at once (config.Settings.WorkerMaxConcurrency,
	// at most the worker's reserved concurrency): the rest of a surge waits in the queue, not
	// received, so it neither counts towards InboundMaxReceiveCount nor reaches DynamoDB and
	// Twilio any faster than the worker can take it.
	worker.fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(WorkerBatchSize),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(s.WorkerMaxConcurrency),
	}))
	suppressTracingWildcard(webhook.role)
	suppressTracingWildcard(worker.role)

	// ---- HTTP API ---------------------------------------------------------------------
	api := awsapigatewayv2.NewHttpApi(this, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName:     jsii.String(fmt.Sprintf("wabot-%s", env)),
		Description: jsii.String(fmt.Sprintf("wabot %s: Twilio webhook and admin API", env)),
		// The default stage is added below, with throttling and access logs.
		CreateDefaultStage: jsii.Bool(false),
	})
	accessLogs := awslogs.NewLogGroup(this, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(resourcenames.LogGroupPrefix(env) + "api-access"),
		EncryptionKey: data.Key(),
		Retention:     s.LogRetention,
		RemovalPolicy: s.RemovalPolicy,
	})
	// The stage's throttle is the first gate: at most the webhook's reserved concurrency
	// (config.Settings.Validate), so what it admits can run at once even on cold starts, and
	// a flood of forged requests cannot run up the bill. Past it API Gateway answers 429;
	// past the reserved concurrency Lambda throttles and API Gateway answers 500. Twilio
	// retries both (rp=4xx,5xx in resourcenames.WebhookRetryFragment).
	stage := api.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			BurstLimit: jsii.Number(s.APIBurstLimit),
			RateLimit:  jsii.Number(s.APIRateLimit),
		},
		AccessLogSettings: &accessLogSettings{
			destination: awsapigatewayv2.NewLogGroupLogDestination(accessLogs),
			format:      awsapigateway.AccessLogFormat_Custom(jsii.String(accessLogFormat)),
		},
	})
	this.stage = stage
	// One integration for both webhook routes: one function, one invoke permission per route.
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("WebhookIntegration"), webhook.fn, nil)
	addPublicRoute(api, resourcenames.WebhookPath, awsapigatewayv2.HttpMethod_POST, integration,
		"Twilio cannot present an IAM signature, a JWT or an API key: it authenticates "+
			"each request with X-Twilio-Signature (HMAC-SHA1 over the URL and parameters with the brand's "+
			"auth token), which the webhook verifies before doing anything and answers 403 when it fails.")
	asaasRoutes := addPublicRoute(api, AsaasWebhookPath, awsapigatewayv2.HttpMethod_POST, integration,
		"Asaas cannot present an IAM signature, a JWT or an API key of API Gateway: it "+
			"authenticates each webhook call with the asaas-access-token header (the brand's webhook token, "+
			"32 to 255 characters), which the webhook compares in constant time with the brand's secret before "+
			"doing anything and answers 401 when it differs.")
	burst, rate := AsaasWebhookThrottle(s)
	this.ThrottleRoute("POST "+AsaasWebhookPath, burst, rate, asaasRoutes...)

	base := api.ApiEndpoint()
	if p.PublicBaseURL != "" {
		base = jsii.String(p.PublicBaseURL)
	}
	// With Twilio's retry policy as a URL fragment (resourcenames.WebhookRetryFragment, where
	// its values are justified): without it Twilio does not retry a 500, 503 or 429.
	webhookURL := jsii.String(resourcenames.WebhookURLForTwilio(*base))
	awscdk.NewCfnOutput(this, jsii.String("WebhookUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Paste into the Twilio console, whole (its #rc=... fragment is Twilio's retry policy), " +
			"as the WhatsApp sender's incoming message webhook (HTTP POST)"),
		Value: webhookURL,
	})
	awscdk.NewCfnOutput(this, jsii.String("AsaasWebhookUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Each brand's Asaas webhook URL, with {clientId} replaced by the brand (its authToken is the " +
			"brand's webhookToken; docs/operations.md, Payments)"),
		Value: jsii.String(AsaasWebhookURL(*base, "{clientId}")),
	})

	// ---- alarms -----------------------------------------------------------------------
	newAlarm := func(id, description string, metric awscloudwatch.IMetric) awscloudwatch.IAlarm {
		return newOnceAlarm(this, id, env, description, metric)
	}
	this.alarms = []awscloudwatch.IAlarm{
		// One parked message is already a customer who got no answer.
		newAlarm("InboundDeadLetterAlarm", fmt.Sprintf("inbound messages are parked in %s", resourcenames.InboundDLQ(env)),
			dlq.MetricApproximateNumberOfMessagesVisible(fiveMinutes(awscloudwatch.Stats_MAXIMUM()))),
		newAlarm("WebhookErrorsAlarm", "the webhook function failed (Twilio retries or drops the message)",
			webhook.fn.MetricErrors(fiveMinutes(awscloudwatch.Stats_SUM()))),
		newAlarm("WorkerErrorsAlarm", "the worker function failed a whole batch",
			worker.fn.MetricErrors(fiveMinutes(awscloudwatch.Stats_SUM()))),
		newAlarm("WebhookThrottlesAlarm", "the webhook function was throttled: its reserved concurrency was used up (API Gateway answered 500, Twilio retries)",
			webhook.fn.MetricThrottles(fiveMinutes(awscloudwatch.Stats_SUM()))),
		newAlarm("WorkerThrottlesAlarm", "the worker function was throttled: invoked beyond its reserved concurrency (is the event source's maximum concurrency above it?)",
			worker.fn.MetricThrottles(fiveMinutes(awscloudwatch.Stats_SUM()))),
		// A customer's message has waited longer than every backoff of the worker put
		// together (about 6 minutes) plus a turn: the worker cannot keep up (its concurrency,
		// DynamoDB or Twilio throttling) or a dependency is down. Messages are not lost yet;
		// customers are waiting.
		awscloudwatch.NewAlarm(this, jsii.String("InboundBacklogAlarm"), &awscloudwatch.AlarmProps{
			AlarmDescription: jsii.String(fmt.Sprintf("wabot %s: a customer's message has waited over %d minutes in %s",
				env, InboundBacklogAlarmSeconds/60, resourcenames.InboundQueue(env))),
			Metric:             queue.MetricApproximateAgeOfOldestMessage(fiveMinutes(awscloudwatch.Stats_MAXIMUM())),
			Threshold:          jsii.Number(InboundBacklogAlarmSeconds),
			EvaluationPeriods:  jsii.Number(1),
			DatapointsToAlarm:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		}),
		// The worker logs {"event":"template_missing"} when WhatsApp's 24-hour window forbids
		// free text and no approved template exists: a customer went unanswered.
		newAlarm("TemplateMissingAlarm", "free text refused outside WhatsApp's 24-hour window: an approved template (ContentSid) is missing",
			logEventMetric(this, "TemplateMissingFilter", worker.logs, resourcenames.EventTemplateMissing, "TemplateMissing")),
		// The worker logs {"event":"model_budget_exceeded"} when a brand has used its daily
		// token budget and the rules answer a turn the model was wanted for: the brand's
		// conversations are worse until São Paulo's midnight (raise its budget, or look for a
		// loop or abuse: docs/admin-api.md).
		newAlarm("ModelBudgetExceededAlarm", "a brand used its daily AI token budget: the rules answer without the model until midnight (São Paulo)",
			logEventMetric(this, "ModelBudgetExceededFilter", worker.logs, resourcenames.EventModelBudgetExceeded, "ModelBudgetExceeded")),
		// A 5xx is a message Twilio has to retry: the webhook failed or timed out, or Lambda
		// throttled it (API Gateway answers 500). Twilio retries a few times (the URL's
		// fragment), so one 5xx is not yet a lost message, but it is the first sign of one.
		// The admin routes count here too: their own failures also raise AdminErrorsAlarm.
		newAlarm("Api5xxAlarm", "the API answered 5xx: on the webhook Twilio retries (a message may be lost after its retries); "+
			"on the admin routes an operator's request failed",
			stage.MetricServerError(fiveMinutes(awscloudwatch.Stats_SUM()))),
		// The payment webhook logs {"event":"asaas_webhook_refused"} when it answers 401 to a
		// brand's Asaas call and {"event":"asaas_webhook_failed"} when it answers 5xx. Asaas
		// retries, and pauses the brand's webhook queue after 15 consecutive failures: paid
		// orders then wait for a payment event that does not come (docs/operations.md).
		newAlarm("AsaasWebhookRefusedAlarm", "the payment webhook refused an Asaas call (401: the asaas-access-token is not the brand's "+
			"webhookToken; Asaas pauses the brand's webhook queue after 15 consecutive failures)",
			logEventMetric(this, "AsaasWebhookRefusedFilter", webhook.logs, resourcenames.EventAsaasWebhookRefused, "AsaasWebhookRefused")),
		newAlarm("AsaasWebhookFailedAlarm", "the payment webhook failed an Asaas call (5xx: secret, order or inbound queue unreachable; "+
			"Asaas retries, and pauses the brand's webhook queue after 15 consecutive failures)",
			logEventMetric(this, "AsaasWebhookFailedFilter", webhook.logs, resourcenames.EventAsaasWebhookFailed, "AsaasWebhookFailed")),
	}

	this.api, this.webhookURL, this.tenantRole = api, webhookURL, tenantRole
	this.webhook, this.worker = webhook.fn, worker.fn
	this.queue, this.dlq = queue, dlq
	return this
}

// logEventMetric counts, per five minutes, the lines of logs whose JSON field "event" is
// event, as metric name in resourcenames.MetricNamespace (a metric filter with id): what the
// alarms on a function's log events (a missing template, a refused Asaas call, a lost audit
// record) watch.
func logEventMetric(scope constructs.Construct, id string, logs awslogs.ILogGroup, event, name string) awscloudwatch.IMetric {
	return awslogs.NewMetricFilter(scope, jsii.String(id), &awslogs.MetricFilterProps{
		LogGroup:        logs,
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.event"), jsii.String("="), jsii.String(event)),
		MetricNamespace: jsii.String(resourcenames.MetricNamespace),
		MetricName:      jsii.String(name),
		MetricValue:     jsii.String("1"),
	}).Metric(fiveMinutes(awscloudwatch.Stats_SUM()))
}

// newOnceAlarm is an alarm of env that fires when metric reaches 1 in one period: a parked
// message, a failed or throttled invocation. Missing data is an idle queue or function, not a
// problem.
func newOnceAlarm(scope constructs.Construct, id, env, description string, metric awscloudwatch.IMetric) awscloudwatch.IAlarm {
	return awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String(fmt.Sprintf("wabot %s: %s", env, description)),
		Metric:             metric,
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		DatapointsToAlarm:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}

// fiveMinutes are the options of a metric over five-minute periods with statistic stat.
func fiveMinutes(stat *string) *awscloudwatch.MetricOptions {
	return &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: stat}
}

// goFunctionSpec is what differs between the Go functions.
type goFunctionSpec struct {
	settings    config.Settings
	name        string      // the log group's name under LogGroupPrefix
	key         awskms.IKey // encrypts the log group
	code        string      // folder holding the bootstrap binary
	description string
	memoryMB    float64
	timeout     float64 // seconds
	reserved    int     // reserved concurrent executions
	environment map[string]*string
}

type goFunction struct {
	fn   awslambda.Function
	role awsiam.Role
	logs awslogs.LogGroup
}

// newGoFunction creates a provided.al2023 arm64 function, traced by X-Ray, with its own role
// and its own log group, encrypted with the data key.
// The role gets write access to that log group and nothing else; grants add the rest. This
// replaces the managed AWSLambdaBasicExecutionRole, which allows writing to any log group.
func newGoFunction(scope constructs.Construct, id string, spec goFunctionSpec) goFunction {
	s := spec.settings
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(resourcenames.LogGroupPrefix(s.Env) + spec.name),
		EncryptionKey: spec.key,
		Retention:     s.LogRetention,
		RemovalPolicy: s.RemovalPolicy,
	})
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(spec.description),
	})
	logs.GrantWrite(role)
	code, err := filepath.Abs(spec.code)
	if err != nil {
		panic("stacks: " + err.Error())
	}
	fn := awslambda.NewFunction(scope, jsii.String(id), &awslambda.FunctionProps{
		Description:  jsii.String(spec.description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String(bootstrapFile),
		Code:         awslambda.Code_FromAsset(jsii.String(code), nil),
		MemorySize:   jsii.Number(spec.memoryMB),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(spec.timeout)),
		// Reserved concurrency both guarantees and caps the function's executions; it costs
		// nothing (docs/operations.md, "Concurrency and back-pressure").
		ReservedConcurrentExecutions: jsii.Number(spec.reserved),
		Role:                         role,
		LogGroup:                     logs,
		Environment:                  &spec.environment,
		// X-Ray traces of every invocation (CDK adds the two xray:Put* actions to the role).
		Tracing: awslambda.Tracing_ACTIVE,
	})
	return goFunction{fn: fn, role: role, logs: logs}
}

// suppressTracingWildcard suppresses AwsSolutions-IAM5 on role for the one wildcard left in
// a function's policy, and only it (appliesTo): Resource "*" of xray:PutTraceSegments and
// xray:PutTelemetryRecords, which CDK grants for active tracing. Every other statement names
// its table, index, queue, role or key; a new wildcard is a new finding to review.
func suppressTracingWildcard(role awsiam.Role) {
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level " +
			"permission: they must be granted on \"*\" (CDK's grant for Lambda active tracing)."),
		AppliesTo: &[]any{jsii.String("Resource::*")},
	}}, jsii.Bool(true))
}

// accessLogSettings implements awsapigatewayv2.IAccessLogSettings, which jsii exposes as an
// interface rather than a struct.
type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

func (a *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination { return a.destination }
func (a *accessLogSettings) Format() awsapigateway.AccessLogFormat              { return a.format }

// addPublicRoute adds method path to api without an authorizer, and suppresses cdk-nag's
// AwsSolutions-APIG4 with reason (why the route needs none) on the route resource alone: its
// integration and invoke permission get no pass.
func addPublicRoute(api awsapigatewayv2.HttpApi, path string, method awsapigatewayv2.HttpMethod, integration awsapigatewayv2.HttpRouteIntegration, reason string) []awsapigatewayv2.HttpRoute {
	routes := api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String(path),
		Methods:     &[]awsapigatewayv2.HttpMethod{method},
		Integration: integration,
	})
	for _, route := range *routes {
		cdknag.NagSuppressions_AddResourceSuppressions(route.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-APIG4"), Reason: jsii.String(reason),
		}}, jsii.Bool(false))
	}
	return *routes
}
