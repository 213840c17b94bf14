package stacks

import (
	"fmt"
	"slices"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Tenant isolation, layer 2 (ARCHITECTURE.md, "Tenant isolation"): the functions' own roles
// reach only what is the same for every brand (the brand lookup by number, the idempotency
// records, the inbound queue). Everything that belongs to a brand (its items, secrets, store
// queues and inference profile) is reached only with credentials of the tenant access role,
// assumed with the session tag clientId = the brand. Its policies compare that tag with the
// leading key of every DynamoDB item (dynamodb:LeadingKeys) and with the clientId tag of every
// secret, queue and inference profile (aws:ResourceTag/clientId), so a bug that asks for
// another brand's data with a brand's session is refused by IAM, not by the code.
//
// Per-tenant KMS keys were considered and rejected: a key costs US$1 a month plus its API
// calls, per brand and environment, and it would add nothing that the ABAC policies do not
// already enforce (a tenant session can reach another brand's ciphertext through no service).
// The one data key is confined instead to the roles of this stack, through the three
// services, by its key policy (DataKeyPolicy).

// TenantSessionTag is the session tag (and the resource tag) that carries the brand: the
// runtime tags its AssumeRole call with it, and the tenant role's policies compare
// ${aws:PrincipalTag/clientId} with keys and resource tags.
const TenantSessionTag = resourcenames.TagClientID

// TenantSessionMaxHours is the tenant role's maximum session: the runtime caches a brand's
// credentials for less than that and assumes the role again, so a leaked session is short-lived.
const TenantSessionMaxHours = 1

// principalTenant is the IAM policy variable of the caller's brand.
const principalTenant = "${aws:PrincipalTag/" + TenantSessionTag + "}"

// leadingKeysCondition confines DynamoDB requests to items whose partition key is the brand
// ("<clientId>", for the tables keyed by clientId) or starts with it ("<clientId>#...", for
// the tenant-first composite keys and the sharded index keys). ForAllValues is vacuously true
// when the request carries no leading key at all (a Scan), hence the Null guard, which
// requires one.
func leadingKeysCondition() *map[string]any {
	return &map[string]any{
		"ForAllValues:StringLike": map[string]any{
			"dynamodb:LeadingKeys": []any{principalTenant, principalTenant + resourcenames.KeySeparator + "*"},
		},
		"Null": map[string]any{"dynamodb:LeadingKeys": "false"},
	}
}

// resourceTenantCondition confines a request to resources tagged with the caller's brand.
func resourceTenantCondition() *map[string]any {
	return &map[string]any{
		"StringEquals": map[string]any{"aws:ResourceTag/" + TenantSessionTag: principalTenant},
	}
}

// scanLikeActions read or export a whole table (or run SQL that can): nothing in the runtime
// needs them, and LeadingKeys cannot confine a Scan. Every runtime role is explicitly denied
// them on every table, so that no later grant (a GrantReadData, which includes Scan) can
// open them by accident.
var scanLikeActions = []string{
	"dynamodb:Scan", "dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate",
	"dynamodb:PartiQLDelete", "dynamodb:ExportTableToPointInTime",
}

// dataKeyUseActions are what the runtime's requests need on the data key, always through a
// service: DynamoDB reads and writes items with the table key it decrypts (Decrypt), SQS
// producers and consumers ask for and unwrap data keys (GenerateDataKey, Decrypt), Secrets
// Manager decrypts a secret's data key (Decrypt). DescribeKey lets the services check the key.
var dataKeyUseActions = []string{"kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"}

// Services through which the runtime uses the data key (kms:ViaService).
const (
	viaDynamoDB       = "dynamodb"
	viaSQS            = "sqs"
	viaSecretsManager = "secretsmanager"
)

// viaServices is the kms:ViaService condition for services in the stack's region.
func viaServices(services ...string) *map[string]any {
	values := make([]any, len(services))
	for i, s := range services {
		values[i] = s + "." + *awscdk.Aws_REGION() + ".amazonaws.com"
	}
	return &map[string]any{"StringEquals": map[string]any{"kms:ViaService": values}}
}

// allow is a policy statement allowing actions on resources, with optional conditions.
func allow(sid string, actions []string, resources []*string, conditions *map[string]any) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(sid),
		Effect:     awsiam.Effect_ALLOW,
		Actions:    jsii.Strings(actions...),
		Resources:  &resources,
		Conditions: conditions,
	})
}

// prefixed is actions as IAM names them: "<service>:<action>".
func prefixed(service string, actions []string) []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = service + ":" + a
	}
	return out
}

// indexArn is the ARN of one index of table: no wildcard, so a grant on an index names it.
func indexArn(table awsdynamodb.ITable, index string) *string {
	return jsii.String(*table.TableArn() + "/index/" + index)
}

// grantDataKeyVia allows role dataKeyUseActions on key through services only. The key policy
// (DataKeyPolicy) names the stack's roles with the same bound; this identity statement keeps
// each role's policy a complete account of what it does.
func grantDataKeyVia(role awsiam.IRole, key awskms.IKey, services ...string) {
	role.AddToPrincipalPolicy(allow("DataKeyThroughServices", dataKeyUseActions, []*string{key.KeyArn()}, viaServices(services...)))
}

// denyScans explicitly denies scanLikeActions to role on every table and index of data.
func denyScans(role awsiam.IRole, data DataLayer) {
	var resources []*string
	for _, t := range data.Tables() {
		resources = append(resources, t.TableArn(), jsii.String(*t.TableArn()+"/index/*"))
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("NoScansOrExports"),
		Effect:    awsiam.Effect_DENY,
		Actions:   jsii.Strings(scanLikeActions...),
		Resources: &resources,
	}))
}

// grantAssumeTenantRole allows role to assume tenantRole with session tags, and nothing else
// in STS.
func grantAssumeTenantRole(role awsiam.IRole, tenantRole awsiam.IRole) {
	role.AddToPrincipalPolicy(allow("AssumeTenantRole", []string{"sts:AssumeRole", "sts:TagSession"},
		[]*string{tenantRole.RoleArn()}, nil))
}

// tenantRoleSpec is what differs between the roles a brand's session is assumed into: the
// tenant access role of the runtime and the tenant admin role of the admin API. Both get the
// same conditions (dynamodb:LeadingKeys, aws:ResourceTag/clientId, kms:ViaService), the same
// trust (only assumers, only with a clientId session tag) and the same explicit Deny of scans;
// only the actions and the assumers differ (both open the brand's model: invokeModels).
type tenantRoleSpec struct {
	name        string // physical name (resourcenames.TenantAccessRoleName ...)
	description string
	trustSid    string // the trust statement's Sid
	assumers    []awsiam.IRole
	// tables are the DynamoDB actions per base table name, without the "dynamodb:" prefix
	// (resourcenames.TenantTableActions, TenantAdminTableActions). A table whose actions
	// include Query may also be queried on its indexes that lead with the brand
	// (tenantIndexes).
	tables map[string][]string
	// secretActions and queueActions, without their service prefix, on the brand's secrets
	// and store queues (and their dead-letter queues); none: no statement.
	secretActions, queueActions []string
	// invokeModels opens the brand's application inference profile (and the foundation
	// models behind it, only through such a profile): the runtime's conversations and the
	// admin's test chat.
	invokeModels bool
	// kmsVia are the services through which the role may use the data key.
	kmsVia []string
}

// tenantTableOrder is the order in which a tenant role's table statements are written, with
// the Sid prefix of each: the order of resourcenames.Tables.All, so templates are stable.
var tenantTableOrder = []struct{ base, sid string }{
	{resourcenames.ClientConfigTable, "ClientConfig"},
	{resourcenames.StoreConfigTable, "StoreConfig"},
	{resourcenames.PhoneMappingTable, "PhoneMapping"},
	{resourcenames.ConversationStateTable, "Conversation"},
	{resourcenames.IdempotencyTable, "Idempotency"},
	{resourcenames.MenuTable, "Menu"},
	{resourcenames.OrdersTable, "Orders"},
	{resourcenames.AuditTable, "Audit"},
	{resourcenames.DailyMetricsTable, "DailyMetrics"},
}

// tenantIndexes are the indexes, per base table name, whose partition key starts with the
// brand ("<clientId>#..."): dynamodb:LeadingKeys confines a Query on them like one on the
// table. The other indexes (twilioPhoneNumber-index, brandList-index on ClientConfig,
// auditDay-index on Audit) are keyed by something else and are never a tenant role's.
var tenantIndexes = map[string][]string{
	resourcenames.PhoneMappingTable:      {resourcenames.MappingsByBrandIndex},
	resourcenames.ConversationStateTable: {resourcenames.ConversationBySessionIndex, resourcenames.ConversationsByStoreIndex},
	resourcenames.OrdersTable:            {resourcenames.OrdersByStoreIndex, resourcenames.OrdersByCustomerIndex},
}

// tableByBase maps the base table names of resourcenames to data's tables.
func tableByBase(data DataLayer) map[string]awsdynamodb.ITable {
	return map[string]awsdynamodb.ITable{
		resourcenames.ClientConfigTable:      data.ClientConfig(),
		resourcenames.StoreConfigTable:       data.StoreConfig(),
		resourcenames.PhoneMappingTable:      data.PhoneMapping(),
		resourcenames.ConversationStateTable: data.ConversationState(),
		resourcenames.IdempotencyTable:       data.Idempotency(),
		resourcenames.MenuTable:              data.Menu(),
		resourcenames.OrdersTable:            data.Orders(),
		resourcenames.AuditTable:             data.Audit(),
		resourcenames.DailyMetricsTable:      data.DailyMetrics(),
	}
}

// newTenantRole creates a role that only spec.assumers may assume, and only with a non-empty
// clientId session tag and no other tag (tenantTrustPolicy), for at most
// TenantSessionMaxHours. Its permissions are spec's actions on one brand's items (tables by
// ARN and named index, under the LeadingKeys condition), secrets and store queues (by
// ABAC), optionally its inference profile, and the data key through spec.kmsVia; nothing
// else: no S3, no IAM, no Scan.
func newTenantRole(scope constructs.Construct, id, env string, data DataLayer, spec tenantRoleSpec) awsiam.Role {
	stack := awscdk.Stack_Of(scope)
	trust := make([]awsiam.IPrincipal, len(spec.assumers))
	for i, a := range spec.assumers {
		trust[i] = awsiam.NewArnPrincipal(a.RoleArn())
	}
	role := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		RoleName: jsii.String(spec.name),
		// Replaced below by tenantTrustPolicy; NewRole requires a principal.
		AssumedBy:          awsiam.NewCompositePrincipal(trust...),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(TenantSessionMaxHours)),
		Description:        jsii.String(spec.description),
	})
	role.Node().DefaultChild().(awsiam.CfnRole).SetAssumeRolePolicyDocument(tenantTrustPolicy(spec.trustSid, spec.assumers...))

	// ---- DynamoDB: a brand's items, by leading key ---------------------------------------
	lk := leadingKeysCondition()
	tables := tableByBase(data)
	known := map[string]bool{}
	var indexes []*string
	for _, t := range tenantTableOrder {
		known[t.base] = true
		actions := spec.tables[t.base]
		if len(actions) == 0 {
			continue
		}
		role.AddToPrincipalPolicy(allow(t.sid+"Items", prefixed("dynamodb", actions), []*string{tables[t.base].TableArn()}, lk))
		if slices.Contains(actions, "Query") {
			for _, ix := range tenantIndexes[t.base] {
				indexes = append(indexes, indexArn(tables[t.base], ix))
			}
		}
	}
	for base := range spec.tables {
		if !known[base] {
			panic(fmt.Sprintf("stacks: tenant role %s: unknown table %s", spec.name, base))
		}
	}
	// Listings per brand and per store, on the write-sharded indexes, and a customer's
	// orders: their partition keys start with "<clientId>#", so LeadingKeys confines them
	// like the tables.
	if len(indexes) > 0 {
		role.AddToPrincipalPolicy(allow("TenantIndexQuery", []string{"dynamodb:Query"}, indexes, lk))
	}
	denyScans(role, data)

	// ---- Secrets, store queues and the model, by resource tag ----------------------------
	var wildcards []any
	if len(spec.secretActions) > 0 {
		// The brand's Twilio and Asaas credentials: every secret of the environment is under
		// wabot/<env>/ and tagged clientId by TenantClient.
		secrets := stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("secretsmanager"), Resource: jsii.String("secret"),
			ResourceName: jsii.String(fmt.Sprintf("wabot/%s/*", env)), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})
		role.AddToPrincipalPolicy(allow("TenantSecrets", prefixed("secretsmanager", spec.secretActions),
			[]*string{secrets}, resourceTenantCondition()))
		wildcards = append(wildcards, jsii.String(fmt.Sprintf("Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:wabot/%s/*", env)))
	}
	if len(spec.queueActions) > 0 {
		// The brand's stores' point-of-sale queues and their dead-letter queues (tagged
		// clientId and storeId by TenantStore). The inbound queue and its dead-letter queue
		// match the name but have no clientId tag.
		queues := stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("sqs"), Resource: jsii.String(fmt.Sprintf("wabot-%s-*", env)),
		})
		role.AddToPrincipalPolicy(allow("TenantStoreQueues", prefixed("sqs", spec.queueActions),
			[]*string{queues}, resourceTenantCondition()))
		wildcards = append(wildcards, jsii.String(fmt.Sprintf("Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:wabot-%s-*", env)))
	}
	if spec.invokeModels {
		// The brand's application inference profile (one per brand, tagged clientId): cost per
		// brand, and no brand's conversation on another's profile.
		profiles := stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("bedrock"), Resource: jsii.String("application-inference-profile"), ResourceName: jsii.String("*"),
		})
		invoke := []string{"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}
		role.AddToPrincipalPolicy(allow("TenantInferenceProfileInvoke", invoke, []*string{profiles}, resourceTenantCondition()))
		// Bedrock also authorizes the call on the foundation model behind the profile. IAM's
		// bedrock:InferenceProfileArn condition key is set when a foundation model is reached
		// through an inference profile, so the models are open only that way, through an
		// application inference profile of this account and region (the statement above
		// decides which): a direct InvokeModel on a model, which no brand's tag could confine,
		// is refused.
		models := stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("bedrock"), Region: jsii.String("*"), Account: jsii.String(""),
			Resource: jsii.String("foundation-model"), ResourceName: jsii.String("*"),
		})
		role.AddToPrincipalPolicy(allow("FoundationModelsThroughProfiles", invoke, []*string{models}, &map[string]any{
			"StringLike": map[string]any{"bedrock:InferenceProfileArn": *profiles},
		}))
		wildcards = append(wildcards,
			jsii.String("Resource::arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:application-inference-profile/*"),
			jsii.String("Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/*"))
	}

	// ---- the data key, through the services ----------------------------------------------
	grantDataKeyVia(role, data.Key(), spec.kmsVia...)

	if len(wildcards) > 0 {
		cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("Attribute-based access for one brand: each wildcard is confined by a condition on the " +
				"session's clientId tag. Secrets under wabot/<env>/*, queues named wabot-<env>-* and application inference " +
				"profiles are allowed only when their clientId tag equals ${aws:PrincipalTag/clientId} (brands are onboarded " +
				"by deploy, so their ARNs are not known to this role); foundation models only through an application " +
				"inference profile (bedrock:InferenceProfileArn). The explicit Deny of scans names <table>/index/*."),
			AppliesTo: &wildcards,
		}}, jsii.Bool(true))
	}
	return role
}

// newTenantAccessRole creates the tenant access role of env (resourcenames.TenantAccessRoleName),
// which only assumers (the webhook's and the worker's roles) may assume. Its permissions are
// exactly what the runtime does for one brand once it knows which
// (resourcenames.TenantTableActions, TenantSecretActions, TenantQueueActions, the brand's
// inference profile, the data key through DynamoDB, SQS and Secrets Manager):
//
//   - ClientConfig, StoreConfig: the brand's configuration, read per message (cached);
//   - Menu: one Query per brand (cached), an item a GetItem; PutItem, DeleteItem and
//     BatchWriteItem for the menu's seeding;
//   - PhoneMapping: a customer's store per brand, created, moved and forgotten by the
//     conversation;
//   - ConversationState: the live conversation, with optimistic locking on its version;
//   - Orders: business records, created and moved through their statuses, never deleted;
//   - DailyMetrics: the worker's daily counters (UpdateItem with atomic ADDs), and a Query of
//     the brand's day for its daily token budget (metrics.ModelSpend);
//   - secrets: the brand's Twilio and Asaas credentials, read; store queues: confirmed orders
//     sent to the brand's stores' points of sale.
func newTenantAccessRole(scope constructs.Construct, id, env string, data DataLayer, assumers ...awsiam.IRole) awsiam.Role {
	return newTenantRole(scope, id, env, data, tenantRoleSpec{
		name: resourcenames.TenantAccessRoleName(env),
		description: fmt.Sprintf("wabot %s: one brand's data, secrets, store queues and model, "+
			"for sessions of the webhook and worker tagged %s", env, TenantSessionTag),
		trustSid:      "RuntimeSessionsTaggedWithABrand",
		assumers:      assumers,
		tables:        resourcenames.TenantTableActions,
		secretActions: resourcenames.TenantSecretActions,
		queueActions:  resourcenames.TenantQueueActions,
		invokeModels:  true,
		kmsVia:        []string{viaDynamoDB, viaSQS, viaSecretsManager},
	})
}

// newTenantAdminRole creates the tenant admin role of env (resourcenames.TenantAdminRoleName),
// which only the admin function's role may assume, with the same tag rules. It allows what
// the admin API does on one brand (resourcenames.TenantAdminTableActions,
// TenantAdminSecretActions, TenantAdminQueueActions) under the tenant access role's
// conditions: writes to the brand's configuration, stores, menu, customers, conversations,
// orders and counters, the brand's secrets' values written (integrations) and read, the
// depths of its store queues and their dead-letter queues, and the brand's model for its
// test chat: its application inference profile (and the foundation model only through
// such a profile), the tenant access role's Bedrock statements exactly. The admin
// function's own role may not invoke a model. The data key only through DynamoDB and
// Secrets Manager: reading queue attributes needs no key.
func newTenantAdminRole(scope constructs.Construct, id, env string, data DataLayer, adminFunction awsiam.IRole) awsiam.Role {
	return newTenantRole(scope, id, env, data, tenantRoleSpec{
		name: resourcenames.TenantAdminRoleName(env),
		description: fmt.Sprintf("wabot %s: one brand's data, secrets, store queues and model for the admin API, "+
			"for sessions of the admin function tagged %s", env, TenantSessionTag),
		trustSid:      "AdminSessionsTaggedWithABrand",
		assumers:      []awsiam.IRole{adminFunction},
		tables:        resourcenames.TenantAdminTableActions,
		secretActions: resourcenames.TenantAdminSecretActions,
		queueActions:  resourcenames.TenantAdminQueueActions,
		invokeModels:  true,
		kmsVia:        []string{viaDynamoDB, viaSQS, viaSecretsManager},
	})
}

// tenantTrustPolicy admits assumers, and no one else, to sts:AssumeRole with sts:TagSession,
// only when the request tags the session with a non-empty clientId and with no other tag
// key: a session without a brand, or with a second tag that a later policy might trust, is
// refused.
func tenantTrustPolicy(sid string, assumers ...awsiam.IRole) awsiam.PolicyDocument {
	principals := make([]awsiam.IPrincipal, len(assumers))
	for i, a := range assumers {
		principals[i] = awsiam.NewArnPrincipal(a.RoleArn())
	}
	return awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
		Minimize: jsii.Bool(false),
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(sid),
			Effect:     awsiam.Effect_ALLOW,
			Principals: &principals,
			Actions:    jsii.Strings("sts:AssumeRole", "sts:TagSession"),
			Conditions: &map[string]any{
				"Null":       map[string]any{"aws:RequestTag/" + TenantSessionTag: "false"},
				"StringLike": map[string]any{"aws:RequestTag/" + TenantSessionTag: "?*"},
				"ForAllValues:StringEquals": map[string]any{
					"aws:TagKeys": []any{TenantSessionTag},
				},
			},
		})},
	})
}

// keyAdminActions are the key administration actions of AWS's default key policy for key
// administrators: manage, tag, rotate, schedule deletion; never Encrypt, Decrypt or
// GenerateDataKey. kms:Create* includes CreateGrant, which DynamoDB calls with the deploying
// principal's credentials when it creates a table encrypted with the key.
var keyAdminActions = []string{
	"kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
	"kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
	"kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
}

// DataKeyPolicy is the whole key policy of stack's data key:
//
//   - KeyAdministration: the account (and so IAM principals the account's policies allow)
//     may administer the key (keyAdminActions) but not use it: with the default policy's
//     kms:* to the account, any principal with kms:Decrypt in an IAM policy could read
//     every brand's data.
//   - StackRolesThroughServices: roles, the stack's own roles (functions, tenant role,
//     custom resource providers), may use it through DynamoDB, SQS and Secrets Manager
//     only; which tables, queues and secrets is decided by their IAM policies.
//   - AccountThroughSecretsManager: CloudFormation creates the brands' secrets with a
//     placeholder value, and operators put the real values (and may read them back), with
//     whatever secretsmanager:* their IAM policies give; the key adds only Secrets Manager.
//   - AccountThroughSQS: stores' points of sale consume their order queues, and operators
//     redrive the inbound dead-letter queue (make redrive), with the sqs:* their IAM
//     policies give; the key adds only SQS.
//   - CloudWatchLogs: the logs service encrypts the stack's log groups, all named under
//     resourcenames.LogGroupPrefix, bound by the log group ARN in the encryption context.
//   - CloudWatchAlarmsToTopic: CloudWatch publishes alarm notifications to the encrypted
//     alarm topic (it needs a data key from the topic's key); the topic policy admits only
//     this account's alarms.
func DataKeyPolicy(stack awscdk.Stack, env string, roles []*string) awsiam.PolicyDocument {
	account, region, partition := *awscdk.Aws_ACCOUNT_ID(), *awscdk.Aws_REGION(), *awscdk.Aws_PARTITION()
	root := awsiam.NewAccountRootPrincipal()
	rolePrincipals := make([]awsiam.IPrincipal, len(roles))
	for i, r := range roles {
		rolePrincipals[i] = awsiam.NewArnPrincipal(r)
	}
	statement := func(sid string, principals []awsiam.IPrincipal, actions []string, conditions *map[string]any) awsiam.PolicyStatement {
		return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(sid),
			Effect:     awsiam.Effect_ALLOW,
			Principals: &principals,
			Actions:    jsii.Strings(actions...),
			Resources:  jsii.Strings("*"),
			Conditions: conditions,
		})
	}
	callerAccount := func(service string) *map[string]any {
		c := *viaServices(service)
		c["StringEquals"].(map[string]any)["kms:CallerAccount"] = account
		return &c
	}
	logGroups := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s*", partition, region, account, resourcenames.LogGroupPrefix(env))
	statements := []awsiam.PolicyStatement{
		statement("KeyAdministration", []awsiam.IPrincipal{root}, keyAdminActions, nil),
		statement("StackRolesThroughServices", rolePrincipals, append([]string{"kms:Encrypt"}, dataKeyUseActions...),
			viaServices(viaDynamoDB, viaSQS, viaSecretsManager)),
		statement("AccountThroughSecretsManager", []awsiam.IPrincipal{root}, []string{"kms:GenerateDataKey", "kms:Decrypt"},
			callerAccount(viaSecretsManager)),
		statement("AccountThroughSQS", []awsiam.IPrincipal{root}, []string{"kms:GenerateDataKey", "kms:Decrypt"},
			callerAccount(viaSQS)),
		statement("CloudWatchLogs", []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+region+".amazonaws.com"), nil)},
			[]string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
			&map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": logGroups}}),
		// AWS's documented statement for CloudWatch alarms publishing to an encrypted topic
		// has no condition: CloudWatch's calls carry no source ARN to bind to. What it may
		// publish to is bound by the alarm topic's policy (this account's alarms only).
		statement("CloudWatchAlarmsToTopic", []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
			[]string{"kms:Decrypt", "kms:GenerateDataKey*"}, nil),
	}
	return awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Minimize: jsii.Bool(false), Statements: &statements})
}

// stackRoleArns returns the ARNs of every IAM role defined in stack, in construct path order.
func stackRoleArns(stack awscdk.Stack) []*string {
	type role struct{ path, arn string }
	var roles []role
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		cfn, ok := c.(awsiam.CfnRole)
		if !ok {
			continue
		}
		roles = append(roles, role{path: *c.Node().Path(), arn: *cfn.AttrArn()})
	}
	sort.Slice(roles, func(i, j int) bool { return roles[i].path < roles[j].path })
	arns := make([]*string, len(roles))
	for i, r := range roles {
		arns[i] = jsii.String(r.arn)
	}
	return arns
}

// applyDataKeyPolicy replaces the data key's policy with DataKeyPolicy for the roles that
// exist in stack now: call it once every construct of the stack exists. The key is made by
// the data layer with CDK's default policy (kms:* to the account); this is the one place
// its policy is decided, so statements added with Key.AddToResourcePolicy are not
// rendered: add them to DataKeyPolicy.
func applyDataKeyPolicy(stack awscdk.Stack, env string, key awskms.IKey) {
	cfn, ok := key.Node().DefaultChild().(awskms.CfnKey)
	if !ok {
		panic("stacks: the data key has no CloudFormation key")
	}
	cfn.SetKeyPolicy(DataKeyPolicy(stack, env, stackRoleArns(stack)))
}
