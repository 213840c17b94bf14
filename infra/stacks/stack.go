// Package stacks assembles the CDK app: one stack per environment holding the data layer,
// the environment's tenants, the runtime (webhook, inbound queue, worker, tenant access role),
// the admin API (user pool, JWT-authorized routes, admin function, tenant admin role) and its
// operations (alarm topic, alarms, dashboard), tagged, encrypted with the data key
// under a strict key policy, and checked by cdk-nag.
package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/wabot-platform/wabot/infra/catalog"
	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/infra/tenant"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// EnvContextKey is the context key that selects the environment: cdk synth -c env=prod.
const EnvContextKey = "env"

// EnvFromContext returns the environment selected by the app's context, resourcenames.EnvDev when
// none is given, and an error for an unknown one.
func EnvFromContext(scope constructs.Construct) (string, error) {
	v := scope.Node().TryGetContext(jsii.String(EnvContextKey))
	if v == nil {
		return resourcenames.EnvDev, nil
	}
	env, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("context %s must be a string, got %v", EnvContextKey, v)
	}
	if _, err := config.For(env); err != nil {
		return "", err
	}
	return env, nil
}

// WabotStackProps configure NewWabotStack.
type WabotStackProps struct {
	// Settings of the environment the stack deploys.
	Settings config.Settings
	// AssetsDir holds the functions' bootstrap binaries (see CheckLambdaAssets).
	AssetsDir string
	// PublicBaseURL is the webhook's PUBLIC_BASE_URL; empty: the API's own domain.
	PublicBaseURL string
}

// WabotStack is one environment's stack.
type WabotStack interface {
	awscdk.Stack
	// Settings are the environment's settings, for functions added later (log retention ...).
	Settings() config.Settings
	// Data is the environment's key and tables.
	Data() DataLayer
	// Tenants are the environment's brands, each with its stores.
	Tenants() []tenant.TenantClient
	// Runtime is the webhook, the inbound queue, the worker and the tenant access role.
	Runtime() Runtime
	// Admin is the admin API: user pool, routes, admin function and tenant admin role.
	Admin() Admin
	// Operations is the alarm topic, the alarms outside the runtime and the dashboard.
	Operations() Operations
}

type wabotStack struct {
	awscdk.Stack
	settings config.Settings
	data     DataLayer
	tenants  []tenant.TenantClient
	runtime  Runtime
	admin    Admin
	ops      Operations
}

func (s *wabotStack) Settings() config.Settings      { return s.settings }
func (s *wabotStack) Data() DataLayer                { return s.data }
func (s *wabotStack) Tenants() []tenant.TenantClient { return s.tenants }
func (s *wabotStack) Runtime() Runtime               { return s.runtime }
func (s *wabotStack) Admin() Admin                   { return s.admin }
func (s *wabotStack) Operations() Operations         { return s.ops }

// NewWabotStack creates the stack of props.Settings.Env, named resourcenames.StackName(env). It is
// environment-agnostic (no account or region): it synthesizes offline, without credentials,
// and deploys to whatever account the deploying credentials belong to.
//
// It panics when the environment's catalog is invalid (see tenant.CheckUnique) or when a
// function's binary is missing from props.AssetsDir.
func NewWabotStack(scope constructs.Construct, props *WabotStackProps) WabotStack {
	s := props.Settings
	declare, err := catalog.For(s.Env)
	if err != nil {
		panic("stacks: " + err.Error())
	}
	tags := map[string]*string{
		resourcenames.TagApp: jsii.String(resourcenames.AppName),
		resourcenames.TagEnv: jsii.String(s.Env),
	}
	// _Override makes the Go value the stack itself, so it can be passed wherever jsii expects
	// a Stack (assertions.Template_FromStack, NagSuppressions ...).
	stack := &wabotStack{settings: s}
	awscdk.NewStack_Override(stack, scope, jsii.String(resourcenames.StackName(s.Env)), &awscdk.StackProps{
		Description: jsii.String(fmt.Sprintf("wabot %s: multi-tenant WhatsApp ordering (data layer, tenants, webhook, worker and admin API)", s.Env)),
		// Stack tags reach what CloudFormation creates on the stack's behalf; the Tags aspect
		// below reaches every taggable resource in the template. With
		// @aws-cdk/core:explicitStackTags the aspect no longer does the former, so both.
		Tags: &tags,
	})
	for k, v := range tags {
		awscdk.Tags_Of(stack).Add(jsii.String(k), v, nil)
	}

	data := NewDataLayer(stack, "Data", &DataLayerProps{Settings: s})
	tenants := declare(constructs.NewConstruct(stack, jsii.String("Tenants")), catalog.Deps{Key: data.Key(), ClientTable: data.ClientConfig(), StoreTable: data.StoreConfig(), Settings: s})
	if err := tenant.CheckUnique(tenants); err != nil {
		panic(fmt.Sprintf("stacks: catalog of %s: %v", s.Env, err))
	}
	runtime := NewRuntime(stack, "Runtime", &RuntimeProps{
		Data:          data,
		Settings:      s,
		AssetsDir:     props.AssetsDir,
		PublicBaseURL: props.PublicBaseURL,
	})
	admin := NewAdmin(stack, "Admin", &AdminProps{
		Data:          data,
		Runtime:       runtime,
		Settings:      s,
		AssetsDir:     props.AssetsDir,
		PublicBaseURL: props.PublicBaseURL,
	})
	// A customer who asks in the chat to erase their data is erased by the worker, which
	// pseudonymises their orders with the environment's key, as the admin API does.
	runtime.WorkerFunction().Role().AddToPrincipalPolicy(allow("PseudonymKey", []string{"secretsmanager:GetSecretValue"},
		[]*string{admin.PseudonymKey().SecretArn()}, nil))
	ops := NewOperations(stack, "Operations", &OperationsProps{Settings: s, Data: data, Runtime: runtime, Admin: admin, Tenants: tenants})

	// The data key's policy, decided here once every construct exists: it names the stack's
	// roles (applyDataKeyPolicy).
	applyDataKeyPolicy(stack, s.Env, data.Key())

	stack.data, stack.tenants, stack.runtime, stack.admin, stack.ops = data, tenants, runtime, admin, ops
	return stack
}

// Build adds env's stack to app and applies the AwsSolutions cdk-nag pack to the whole app.
// main and the tests both build through here, so the tests see exactly what cdk synth sees.
// An AwsSolutions finding is an error annotation, which makes cdk synth exit non-zero.
//
// The functions' binaries come from the folder of the app's lambdaAssets context
// (DefaultLambdaAssets by default); Build fails, saying to run `make build`, when one is
// missing. The optional publicBaseUrl context sets the webhook's PUBLIC_BASE_URL.
func Build(app awscdk.App, env string) (WabotStack, error) {
	settings, err := config.For(env)
	if err != nil {
		return nil, err
	}
	assets, err := LambdaAssetsFromContext(app)
	if err != nil {
		return nil, err
	}
	baseURL, err := PublicBaseURLFromContext(app)
	if err != nil {
		return nil, err
	}
	stack := NewWabotStack(app, &WabotStackProps{Settings: settings, AssetsDir: assets, PublicBaseURL: baseURL})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return stack, nil
}
