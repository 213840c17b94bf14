package tenant

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/infra/tenant/registration"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// KMSTableWriteActions are what a registration's UpdateItem needs on the key of a table
// encrypted with a customer-managed key: read the item's data key (Decrypt), write with a new
// or the same one (GenerateDataKey, Encrypt), and the key's metadata (DescribeKey). No
// wildcard: CDK's Table.grantWriteData adds ReEncrypt* and GenerateDataKey*, which an
// UpdateItem does not use.
var KMSTableWriteActions = []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}

// registrationCall is one phase (create, update or delete) of a registration: an UpdateItem
// with the given input (from package registration).
func registrationCall(input map[string]any, physicalID string, ignoreErrors string) *customresources.AwsSdkCall {
	call := &customresources.AwsSdkCall{
		Service:    jsii.String("DynamoDB"),
		Action:     jsii.String("updateItem"),
		Parameters: input,
		// Fixed per record: an update never looks like a replacement to CloudFormation (which
		// would then delete the old resource, deactivating the record it just registered).
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(physicalID)),
	}
	if ignoreErrors != "" {
		call.IgnoreErrorCodesMatching = jsii.String(ignoreErrors)
	}
	return call
}

// register creates the custom resource (Custom::AWS) that runs upsert on create and on every
// update, and deactivate on delete, against table. Its policy allows UpdateItem on table
// alone (no index, no other action: never DeleteItem) plus KMSTableWriteActions on the
// table's key; the function that makes the call is the stack's one AwsCustomResource provider,
// with the role of the stack's registrar.
func register(scope constructs.Construct, id string, table awsdynamodb.ITable, settings config.Settings,
	physicalID string, upsert, deactivate map[string]any) customresources.AwsCustomResource {
	statements := []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:UpdateItem"),
		Resources: &[]*string{table.TableArn()},
	})}
	if key := table.EncryptionKey(); key != nil {
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(KMSTableWriteActions...),
			Resources: &[]*string{key.KeyArn()},
		}))
	}
	reg := tenantRegistrar(scope, settings, table.EncryptionKey())
	return customresources.NewAwsCustomResource(scope, jsii.String(id), &customresources.AwsCustomResourceProps{
		OnCreate: registrationCall(upsert, physicalID, ""),
		OnUpdate: registrationCall(upsert, physicalID, ""),
		// A record that does not exist is not created only to be marked inactive.
		OnDelete: registrationCall(deactivate, physicalID, registration.ConditionalCheckFailed),
		Policy:   customresources.AwsCustomResourcePolicy_FromStatements(&statements),
		Role:     reg.Role(),
		LogGroup: reg.Logs(),
		// The SDK in the Lambda runtime has UpdateItem; installing the latest at deploy time
		// would make every deploy depend on npm being reachable from the function.
		InstallLatestAwsSdk: jsii.Bool(false),
	})
}

// registrar is the role and log group of the stack's AwsCustomResource provider function.
// AwsCustomResource creates that function once per stack (a singleton) and gives it the role
// and log group of the first custom resource, so every registration must pass the same ones:
// they live at the stack's root, made by the first brand and found by the others.
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
const registrarID = "TenantRegistrar"

// tenantRegistrar returns the registrar of scope's stack, creating it on first use.
//
// A role of our own, like the runtime's functions: the provider's default role carries the
// managed AWSLambdaBasicExecutionRole, which allows writing to every log group (and is
// AwsSolutions-IAM4). This one may write to its own log group, with the environment's
// retention (the provider's default would be a log group kept forever), and receives each
// registration's UpdateItem policy. The log group is named under
// resourcenames.LogGroupPrefix and encrypted with key (the tables' key, the environment's
// data key), like the runtime's: the key admits CloudWatch Logs for that prefix only.
func tenantRegistrar(scope constructs.Construct, settings config.Settings, key awskms.IKey) *registrar {
	stack := awscdk.Stack_Of(scope)
	if existing := stack.Node().TryFindChild(jsii.String(registrarID)); existing != nil {
		r, ok := existing.(*registrar)
		if !ok {
			panic(fmt.Sprintf("tenant: %s of stack %s is not the tenant registrar", registrarID, *stack.StackName()))
		}
		return r
	}
	r := &registrar{}
	constructs.NewConstruct_Override(r, stack, jsii.String(registrarID))
	r.logs = awslogs.NewLogGroup(r, jsii.String("Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(resourcenames.LogGroupPrefix(settings.Env) + "tenant-registrar"),
		EncryptionKey: key,
		Retention:     settings.LogRetention,
		RemovalPolicy: settings.RemovalPolicy,
	})
	r.role = awsiam.NewRole(r, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(fmt.Sprintf("wabot %s: registers each brand in %s and each store in %s at deploy",
			settings.Env, resourcenames.ClientConfigTable, resourcenames.StoreConfigTable)),
	})
	r.logs.GrantWrite(r.role)
	return r
}
