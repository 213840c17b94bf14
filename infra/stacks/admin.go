package stacks

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Admin API settings. They are the same in every environment: the admin API serves people
// (operators and, later, the admin UI), whose numbers do not grow with the message traffic.
const (
	// AdminTimeoutSeconds is just under the 30 seconds after which API Gateway gives up on an
	// HTTP API integration: the function stops first, so a request that takes too long ends
	// as the function's own timeout (counted in its Errors, alarmed) and never keeps running
	// after the caller got a 503. Requests take milliseconds; the larger ones (a brand's
	// export, a menu replaced in batches) take seconds.
	AdminTimeoutSeconds = 29
	// AdminMemoryMB: the admin function builds JSON documents of a brand's data (menus,
	// exports); Lambda's CPU share grows with memory, and so does a cold start's speed.
	AdminMemoryMB = 512
	// AdminAPIRateLimit (requests per second) and AdminAPIBurstLimit throttle each admin
	// route (route-level settings of the $default stage, which override its default, the
	// webhook's). People click: a page of the admin UI makes a handful of calls at once
	// (the burst), and 10 a second sustained is more than tens of operators make. A stolen
	// token or a runaway script is held there, and so is what it can cost in Lambda and
	// DynamoDB. The rate is at most the webhook's in every environment (10 / 20 / 100).
	AdminAPIRateLimit  = 10
	AdminAPIBurstLimit = 20
	// AdminReservedConcurrency reserves, and caps, the admin function's executions at the
	// burst: what the routes admit can run at once, even on cold starts, and the admin API
	// can never take executions from the webhook or the worker (which have their own).
	AdminReservedConcurrency = AdminAPIBurstLimit
	// AdminIDTokenValidityMinutes is the life of the ID and access tokens the admin API
	// accepts; AdminRefreshTokenValidityHours, of the refresh token (a working day: a
	// removed user or a revoked token stops working within the hour).
	AdminIDTokenValidityMinutes    = 60
	AdminRefreshTokenValidityHours = 12
	// AdminPasswordMinLength and AdminPasswordHistory: the admin users reach brands' data.
	AdminPasswordMinLength = 12
	AdminPasswordHistory   = 5
	// PseudonymKeyLength is the length of the generated pseudonymisation key: 64 letters and
	// digits, about 380 bits (package privacy needs at least 32 bytes).
	PseudonymKeyLength = 64
)

// AdminProxyPath is the route of every admin endpoint but the OpenAPI document: the admin
// function routes it itself (resourcenames.AdminPathPrefix).
const AdminProxyPath = resourcenames.AdminPathPrefix + "/{proxy+}"

// AdminRouteKeys are the admin API's routes of the HTTP API, as route keys: the OpenAPI
// document without a token, everything else behind the JWT authorizer.
var AdminRouteKeys = []string{"GET " + resourcenames.AdminOpenAPIPath, "ANY " + AdminProxyPath}

// AdminUIRouteKeys are the admin web UI's routes (package adminui), to the admin function
// without a token: the page, its bundle and its sign-in config hold no brand's data. The
// API's routes are more specific, so /admin/v1/... never reaches them.
var AdminUIRouteKeys = []string{"GET /admin", "GET /admin/{proxy+}"}

// AdminProps configure NewAdmin.
type AdminProps struct {
	// Data is the environment's key and tables.
	Data DataLayer
	// Runtime holds the HTTP API the admin routes are added to and the inbound dead-letter
	// queue whose depth the admin API reports.
	Runtime Runtime
	// Settings of the environment: names, log retention, removal policy, deletion protection.
	Settings config.Settings
	// AssetsDir holds <AssetsDir>/admin/bootstrap (CheckLambdaAssets).
	AssetsDir string
	// PublicBaseURL, when set, is the public origin of the API (ValidatePublicBaseURL); the
	// AdminApiUrl output uses it instead of the API's own endpoint.
	PublicBaseURL string
}

// Validate reports the first problem with p, or nil.
func (p *AdminProps) Validate() error {
	switch {
	case p == nil:
		return errors.New("admin props are required")
	case p.Data == nil:
		return errors.New("admin: the data layer is required")
	case p.Runtime == nil:
		return errors.New("admin: the runtime (its HTTP API) is required")
	case !resourcenames.ValidEnv(p.Settings.Env):
		return fmt.Errorf("admin: unknown environment %q", p.Settings.Env)
	}
	if err := CheckLambdaAssets(p.AssetsDir); err != nil {
		return err
	}
	if p.PublicBaseURL != "" {
		if err := ValidatePublicBaseURL(p.PublicBaseURL); err != nil {
			return fmt.Errorf("admin: %w", err)
		}
	}
	return nil
}

// Admin is the admin API's infrastructure (docs/security.md, "Admin API"): the Cognito user
// pool of the admin users, its app client and groups (the roles), the JWT-authorized routes
// under resourcenames.AdminPathPrefix on the runtime's HTTP API, the admin function and its
// alarms, and the tenant admin role through which the function reaches one brand's data.
type Admin interface {
	constructs.Construct
	// Function is the admin function wabot-<env>-admin's Lambda function (asset AdminAsset).
	Function() awslambda.IFunction
	// UserPool is the admin user pool, resourcenames.UserPoolName(env).
	UserPool() awscognito.IUserPool
	// UserPoolClient is the app client of the admin API and UI,
	// resourcenames.UserPoolClientName(env): no secret; the tokens' audience.
	UserPoolClient() awscognito.IUserPoolClient
	// Issuer is the user pool's token issuer, https://cognito-idp.<region>.amazonaws.com/<poolId>.
	Issuer() *string
	// URL is the admin API's base URL: the public base URL (or the API's endpoint) plus
	// resourcenames.AdminPathPrefix.
	URL() *string
	// TenantAdminRole is the role resourcenames.TenantAdminRoleName(env), assumed by the
	// admin function with the session tag clientId for everything of one brand.
	TenantAdminRole() awsiam.IRole
	// PseudonymKey is the secret resourcenames.PseudonymKeySecret(env): the key of erased
	// customers' pseudonyms, generated at deploy, read by the admin function's own role.
	PseudonymKey() awssecretsmanager.ISecret
	// Alarms are the admin function's error and throttle alarms (their action is the alarm
	// topic, added by the operations aspect).
	Alarms() []awscloudwatch.IAlarm
}

type admin struct {
	constructs.Construct
	fn          awslambda.IFunction
	pool        awscognito.IUserPool
	client      awscognito.IUserPoolClient
	issuer, url *string
	tenantRole  awsiam.IRole
	pseudonym   awssecretsmanager.ISecret
	alarms      []awscloudwatch.IAlarm
}

func (a *admin) Function() awslambda.IFunction              { return a.fn }
func (a *admin) UserPool() awscognito.IUserPool             { return a.pool }
func (a *admin) UserPoolClient() awscognito.IUserPoolClient { return a.client }
func (a *admin) Issuer() *string                            { return a.issuer }
func (a *admin) URL() *string                               { return a.url }
func (a *admin) TenantAdminRole() awsiam.IRole              { return a.tenantRole }
func (a *admin) PseudonymKey() awssecretsmanager.ISecret    { return a.pseudonym }
func (a *admin) Alarms() []awscloudwatch.IAlarm {
	return append([]awscloudwatch.IAlarm(nil), a.alarms...)
}

// NewAdmin creates the admin API. It panics on invalid props, like the runtime.
//
// The authentication chain: a user of the pool signs in (SRP from the admin UI, or
// USER_PASSWORD_AUTH from `make token` and operators' scripts) and gets an ID token whose
// cognito:groups is their role and whose custom:clientId is their brand; the HTTP API's JWT
// authorizer checks its signature, issuer, audience (the app client) and expiry before the
// function runs; the function checks role and brand again against every request.
//
// The admin function's own role may, and only:
//   - Query ClientConfig's brandList-index, on its one partition (brandList = "brand"): a
//     platform admin's list of brands, before any brand is chosen;
//   - Query ClientConfig's twilioPhoneNumber-index (KEYS_ONLY): a brand's new number must not
//     be another brand's;
//   - GetItem, PutItem, UpdateItem and DeleteItem on the idempotency table, whose calls are
//     all platform-level (shared/dynamo): a customer's claims are exported and erased (LGPD),
//     and the test chat's engine claims the inactive-brand notice and an in-chat erasure's
//     confirmation;
//   - GetSecretValue on the pseudonymisation key (resourcenames.PseudonymKeySecret);
//   - PutItem and Query on the audit table, and Query its auditDay-index: every change is
//     recorded, and read back per brand or per day;
//   - GetQueueAttributes on the inbound dead-letter queue: the platform's parked messages;
//   - assume the tenant admin role with a session tag (everything of one brand);
//   - write its own log group, send X-Ray traces, and use the data key through DynamoDB and
//     Secrets Manager.
//
// It is explicitly denied Scan, PartiQL and exports on every table, like every runtime role.
// User management (creating users, setting their brand and group) is not the admin API's: it
// is an operator's, with the Cognito console or CLI (docs/security.md).
func NewAdmin(scope constructs.Construct, id string, props *AdminProps) Admin {
	if err := props.Validate(); err != nil {
		panic("stacks: " + err.Error())
	}
	p := *props
	s, data, env := p.Settings, p.Data, p.Settings.Env
	this := &admin{}
	constructs.NewConstruct_Override(this, scope, jsii.String(id))

	// ---- users ------------------------------------------------------------------------
	base := p.Runtime.API().ApiEndpoint()
	if p.PublicBaseURL != "" {
		base = jsii.String(p.PublicBaseURL)
	}
	pool, client, issuer, login := newAdminUserPool(this, s, base)

	// ---- function ---------------------------------------------------------------------
	tables := map[string]*string{
		resourcenames.EnvVarEnvironment:       jsii.String(env),
		resourcenames.EnvVarClientTable:       data.ClientConfig().TableName(),
		resourcenames.EnvVarStoreTable:        data.StoreConfig().TableName(),
		resourcenames.EnvVarMappingTable:      data.PhoneMapping().TableName(),
		resourcenames.EnvVarConversationTbl:   data.ConversationState().TableName(),
		resourcenames.EnvVarIdempotencyTable:  data.Idempotency().TableName(),
		resourcenames.EnvVarMenuTable:         data.Menu().TableName(),
		resourcenames.EnvVarOrdersTable:       data.Orders().TableName(),
		resourcenames.EnvVarAuditTable:        data.Audit().TableName(),
		resourcenames.EnvVarDailyMetricsTable: data.DailyMetrics().TableName(),
		resourcenames.EnvVarInboundDLQURL:     p.Runtime.InboundDeadLetterQueue().QueueUrl(),
		resourcenames.EnvVarMetricsNamespace:  jsii.String(resourcenames.MetricNamespace),
		resourcenames.EnvVarJWTIssuer:         issuer,
		resourcenames.EnvVarJWTAudience:       client.UserPoolClientId(),
		resourcenames.EnvVarLoginDomain:       login.BaseUrl(nil),
	}
	fn := newGoFunction(this, "Function", goFunctionSpec{
		settings:    s,
		name:        AdminAsset,
		key:         data.Key(),
		code:        filepath.Join(p.AssetsDir, AdminAsset),
		description: fmt.Sprintf("wabot %s: admin API (%s, Cognito JWT)", env, resourcenames.AdminPathPrefix),
		memoryMB:    AdminMemoryMB,
		timeout:     AdminTimeoutSeconds,
		reserved:    AdminReservedConcurrency,
		environment: tables,
	})

	// ---- permissions ------------------------------------------------------------------
	tenantAdmin := newTenantAdminRole(this, "TenantAdminRole", env, data, fn.role)
	fn.fn.AddEnvironment(jsii.String(resourcenames.EnvVarTenantAdminRoleARN), tenantAdmin.RoleArn(), nil)
	grantAssumeTenantRole(fn.role, tenantAdmin)
	grantDataKeyVia(fn.role, data.Key(), viaDynamoDB, viaSecretsManager)
	denyScans(fn.role, data)
	// The brand list: one partition of the index (brandList is the same value on every client
	// record), whose projection is a list's few attributes. The records themselves are read
	// with the brand's session.
	fn.role.AddToPrincipalPolicy(allow("ListBrands", []string{"dynamodb:Query"},
		[]*string{indexArn(data.ClientConfig(), resourcenames.BrandsIndex)}, &map[string]any{
			"ForAllValues:StringEquals": map[string]any{"dynamodb:LeadingKeys": []any{resourcenames.BrandListValue}},
			"Null":                      map[string]any{"dynamodb:LeadingKeys": "false"},
		}))
	// The audit: written for every change, whatever the brand (a platform admin's changes
	// span brands), and read per brand (the table) or per day (the index). Never updated
	// nor deleted by the API: records expire by TTL.
	fn.role.AddToPrincipalPolicy(allow("RecordAndReadAudit", []string{"dynamodb:PutItem", "dynamodb:Query"},
		[]*string{data.Audit().TableArn()}, nil))
	fn.role.AddToPrincipalPolicy(allow("AuditByDay", []string{"dynamodb:Query"},
		[]*string{indexArn(data.Audit(), resourcenames.AuditByDayIndex)}, nil))
	// A brand's number must be its own: the lookup by number, which returns the clientId alone.
	fn.role.AddToPrincipalPolicy(allow("FindBrandByNumber", []string{"dynamodb:Query"},
		[]*string{indexArn(data.ClientConfig(), resourcenames.ClientByPhoneIndex)}, nil))
	// Idempotency records are platform-level (keys "<clientId>#<key>", no customer data but
	// keys derived from a number): a customer's are exported (GetItem) and erased
	// (DeleteItem) by the LGPD routes; the test chat's engine claims an inactive brand's
	// notice and records an in-chat erasure's confirmation (conditional PutItem, UpdateItem).
	fn.role.AddToPrincipalPolicy(allow("CustomerClaims", []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
		[]*string{data.Idempotency().TableArn()}, nil))
	// The key of erased customers' pseudonyms: one per environment, the platform's.
	pseudonym := newPseudonymKey(this, s, data)
	fn.role.AddToPrincipalPolicy(allow("PseudonymKey", []string{"secretsmanager:GetSecretValue"},
		[]*string{pseudonym.SecretArn()}, nil))
	// The platform's parked messages, for a platform admin's health view: their count only
	// (no ReceiveMessage: redriving is an operator's `make redrive`).
	fn.role.AddToPrincipalPolicy(allow("InboundDeadLetterDepth", []string{"sqs:GetQueueAttributes"},
		[]*string{p.Runtime.InboundDeadLetterQueue().QueueArn()}, nil))
	suppressTracingWildcard(fn.role)

	// ---- routes -----------------------------------------------------------------------
	api := p.Runtime.API()
	authorizer := awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("AdminJwtAuthorizer"), issuer,
		&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
			AuthorizerName: jsii.String(fmt.Sprintf("wabot-%s-admin", env)),
			JwtAudience:    &[]*string{client.UserPoolClientId()},
			IdentitySource: jsii.Strings("$request.header.Authorization"),
		})
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("AdminIntegration"), fn.fn, nil)
	openapi := addPublicRoute(api, resourcenames.AdminOpenAPIPath, awsapigatewayv2.HttpMethod_GET, integration,
		"The admin API's OpenAPI document describes the routes and their schemas, generated from "+
			"the route table; it holds no data of any brand, and a client needs it before it has a token. Every other "+
			"admin route (ANY "+AdminProxyPath+") requires a Cognito JWT.")
	proxy := api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String(AdminProxyPath),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY},
		Integration: integration,
		Authorizer:  authorizer,
	})
	// Route-level throttles on the $default stage (with the runtime's, see
	// Runtime.ThrottleRoute). A route's settings need the route: the stage depends on them.
	for key, routes := range map[string][]awsapigatewayv2.HttpRoute{
		"GET " + resourcenames.AdminOpenAPIPath: openapi,
		"ANY " + AdminProxyPath:                 *proxy,
	} {
		p.Runtime.ThrottleRoute(key, AdminAPIBurstLimit, AdminAPIRateLimit, routes...)
	}
	// The admin UI, from the same function and origin: CORS stays off.
	for _, key := range AdminUIRouteKeys {
		path := strings.TrimPrefix(key, "GET ")
		ui := addPublicRoute(api, path, awsapigatewayv2.HttpMethod_GET, integration,
			"The admin web UI's page, bundle and sign-in configuration (package adminui): static files "+
				"and the app client's public id, no data of any brand; the page signs in through Cognito's hosted UI and "+
				"calls the admin API (ANY "+AdminProxyPath+"), which requires a Cognito JWT.")
		p.Runtime.ThrottleRoute(key, AdminAPIBurstLimit, AdminAPIRateLimit, ui...)
	}

	url := jsii.String(*base + resourcenames.AdminPathPrefix)

	// ---- outputs ----------------------------------------------------------------------
	for _, o := range []struct {
		id, description string
		value           *string
	}{
		{"ApiUrl", "The admin API's base URL (its OpenAPI document is " + resourcenames.AdminOpenAPIPath + ")", url},
		{"UiUrl", "The admin web UI (sign in with a user of the admin user pool)", jsii.String(*base + resourcenames.AdminUIPath)},
		{"LoginDomain", "The admin user pool's hosted sign-in", login.BaseUrl(nil)},
		{"UserPoolId", "The admin user pool " + resourcenames.UserPoolName(env) + ": create users there (docs/security.md, Admin API)", pool.UserPoolId()},
		{"UserPoolClientId", "The app client " + resourcenames.UserPoolClientName(env) + " (no secret): the tokens' audience", client.UserPoolClientId()},
		{"JwtIssuer", "The issuer of the admin API's tokens", issuer},
	} {
		awscdk.NewCfnOutput(this, jsii.String(o.id), &awscdk.CfnOutputProps{Description: jsii.String(o.description), Value: o.value})
	}

	// ---- alarms -----------------------------------------------------------------------
	// An error is an unhandled failure or a timeout: the API answered 500 or 503 to an
	// operator. A throttle is the reserved concurrency used up (API Gateway answered 500).
	this.alarms = []awscloudwatch.IAlarm{
		newOnceAlarm(this, "ErrorsAlarm", env, "the admin function failed or timed out (an operator's request got a 5xx)",
			fn.fn.MetricErrors(fiveMinutes(awscloudwatch.Stats_SUM()))),
		newOnceAlarm(this, "ThrottlesAlarm", env, "the admin function was throttled: its reserved concurrency was used up",
			fn.fn.MetricThrottles(fiveMinutes(awscloudwatch.Stats_SUM()))),
		// The admin API logs {"event":"audit_write_failed"} when a change succeeded and its
		// audit record could not be written: a change without its record (seed 7.3).
		newOnceAlarm(this, "AuditWriteFailedAlarm", env, "a change through the admin API has no audit record: the audit table refused the write",
			logEventMetric(this, "AuditWriteFailedFilter", fn.logs, resourcenames.EventAuditWriteFailed, "AuditWriteFailures")),
	}

	this.fn, this.pool, this.client, this.issuer, this.url, this.tenantRole = fn.fn, pool, client, issuer, url, tenantAdmin
	this.pseudonym = pseudonym
	return this
}

// newPseudonymKey creates the secret resourcenames.PseudonymKeySecret(env) with a generated
// value, encrypted with the data key. It has no clientId tag: no brand's session can read it
// (the tenant roles' secret grants require the tag).
func newPseudonymKey(scope constructs.Construct, s config.Settings, data DataLayer) awssecretsmanager.Secret {
	secret := awssecretsmanager.NewSecret(scope, jsii.String("PseudonymKey"), &awssecretsmanager.SecretProps{
		SecretName:    jsii.String(resourcenames.PseudonymKeySecret(s.Env)),
		Description:   jsii.String(fmt.Sprintf("wabot %s: key of erased customers' pseudonyms in orders (HMAC-SHA256); never rotate", s.Env)),
		EncryptionKey: data.Key(),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(PseudonymKeyLength),
			ExcludePunctuation: jsii.Bool(true),
			IncludeSpace:       jsii.Bool(false),
		},
		RemovalPolicy: s.RemovalPolicy,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(secret, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SMG4"),
		Reason: jsii.String("The pseudonymisation key must never change: an erased customer's orders are pseudonymised " +
			"with an HMAC of their number under it, and a new key would give the same customer's older and newer orders " +
			"different pseudonyms (package privacy)."),
	}}, jsii.Bool(false))
	return secret
}

// newAdminUserPool creates the admin user pool, its groups, its app client and its hosted
// sign-in domain, and returns them with the pool's token issuer. base is the API's public
// base URL: the admin UI at base/admin is the app client's only callback.
func newAdminUserPool(scope constructs.Construct, s config.Settings, base *string) (awscognito.UserPool, awscognito.UserPoolClient, *string, awscognito.UserPoolDomain) {
	env := s.Env
	pool := awscognito.NewUserPool(scope, jsii.String("UserPool"), &awscognito.UserPoolProps{
		UserPoolName: jsii.String(resourcenames.UserPoolName(env)),
		// Administrators create the users (AdminCreateUser, with their brand and group); no
		// one can sign up.
		SelfSignUpEnabled: jsii.Bool(false),
		SignInAliases:     &awscognito.SignInAliases{Username: jsii.Bool(true), Email: jsii.Bool(true)},
		// "Ana@x.com" and "ana@x.com" are one user.
		SignInCaseSensitive: jsii.Bool(false),
		// The invitation with the temporary password and account recovery go to the email.
		StandardAttributes: &awscognito.StandardAttributes{
			Email:    &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
			Fullname: &awscognito.StandardAttribute{Required: jsii.Bool(false), Mutable: jsii.Bool(true)},
		},
		AutoVerify: &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		// A user who changes their email keeps signing in with the old one until the new one
		// is verified.
		KeepOriginal:    &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		// A brand-admin's or brand-viewer's brand (resourcenames.ClaimClientID in the token).
		// Immutable: set when the user is created and never changed; a user moving to another
		// brand is a new user. Not writable by the app client either (below).
		CustomAttributes: &map[string]awscognito.ICustomAttribute{
			resourcenames.UserAttrClientID: awscognito.NewStringAttribute(&awscognito.StringAttributeProps{
				MinLen: jsii.Number(1), MaxLen: jsii.Number(resourcenames.MaxIDLength), Mutable: jsii.Bool(false),
			}),
		},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(AdminPasswordMinLength),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			PasswordHistorySize:  jsii.Number(AdminPasswordHistory),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		// TOTP, optional: see the AwsSolutions-COG2 suppression below. No SMS: no SNS
		// sender to run, and SIM swaps make it the weakest factor.
		Mfa:             awscognito.Mfa_OPTIONAL,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		// Plus: threat protection (compromised credentials, risky sign-ins), enforced with the
		// risk configuration below. A few dozen admin users cost cents a month.
		FeaturePlan:                  awscognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
		DeletionProtection:           jsii.Bool(s.DeletionProtection),
		RemovalPolicy:                s.RemovalPolicy,
		UserInvitation: &awscognito.UserInvitationConfig{
			EmailSubject: jsii.String(fmt.Sprintf("wabot %s: your admin account", env)),
			EmailBody: jsii.String(fmt.Sprintf("Your wabot %s admin user is {username} and its temporary password is {####}. "+
				"You will choose a new password at your first sign-in.", env)),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(pool, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-COG2"),
		Reason: jsii.String("MFA is optional (TOTP): operators' scripts and `make token` sign in with USER_PASSWORD_AUTH, " +
			"which cannot answer the MFA_SETUP challenge, and required MFA would lock them out. The admin UI signs in through " +
			"the hosted sign-in page, where a user with an authenticator is challenged for it. Threat protection is enforced " +
			"(Plus plan: compromised credentials blocked, high-risk sign-ins blocked, medium-risk ones challenged for MFA " +
			"when the user has it). Requiring it is one line (Mfa_REQUIRED) once no script signs in with a password."),
	}}, jsii.Bool(true))
	// Threat protection's actions, stated rather than left to defaults. No notification
	// emails: they would need an SES identity the stack does not have.
	noNotify := func(action string) *awscognito.CfnUserPoolRiskConfigurationAttachment_AccountTakeoverActionTypeProperty {
		return &awscognito.CfnUserPoolRiskConfigurationAttachment_AccountTakeoverActionTypeProperty{
			EventAction: jsii.String(action), Notify: jsii.Bool(false),
		}
	}
	awscognito.NewCfnUserPoolRiskConfigurationAttachment(scope, jsii.String("RiskConfiguration"), &awscognito.CfnUserPoolRiskConfigurationAttachmentProps{
		UserPoolId: pool.UserPoolId(),
		ClientId:   jsii.String("ALL"),
		CompromisedCredentialsRiskConfiguration: &awscognito.CfnUserPoolRiskConfigurationAttachment_CompromisedCredentialsRiskConfigurationTypeProperty{
			Actions: &awscognito.CfnUserPoolRiskConfigurationAttachment_CompromisedCredentialsActionsTypeProperty{
				EventAction: jsii.String("BLOCK"),
			},
		},
		AccountTakeoverRiskConfiguration: &awscognito.CfnUserPoolRiskConfigurationAttachment_AccountTakeoverRiskConfigurationTypeProperty{
			Actions: &awscognito.CfnUserPoolRiskConfigurationAttachment_AccountTakeoverActionsTypeProperty{
				HighAction:   noNotify("BLOCK"),
				MediumAction: noNotify("MFA_IF_CONFIGURED"),
				LowAction:    noNotify("NO_ACTION"),
			},
		},
	})

	// One group per role; a user in several has the strongest (the lowest precedence).
	for i, role := range resourcenames.AdminRoles {
		pool.AddGroup(jsii.String("Group"+camel(role)), &awscognito.UserPoolGroupOptions{
			GroupName:   jsii.String(role),
			Description: jsii.String(fmt.Sprintf("wabot %s admin role %s", env, role)),
			Precedence:  jsii.Number(len(resourcenames.AdminRoles) - 1 - i),
		})
	}

	// The UI's page, with and without the trailing slash: the callback must match exactly.
	uiURL := jsii.String(*base + resourcenames.AdminUIPath)
	uiPage := jsii.String(*base + strings.TrimSuffix(resourcenames.AdminUIPath, "/"))
	client := pool.AddClient(jsii.String("AppClient"), &awscognito.UserPoolClientOptions{
		UserPoolClientName: jsii.String(resourcenames.UserPoolClientName(env)),
		// A browser (the admin UI) holds it: it cannot keep a secret.
		GenerateSecret: jsii.Bool(false),
		// SRP for the hosted sign-in; USER_PASSWORD_AUTH for `make token` (against the local
		// emulator) and operators' scripts, over TLS to Cognito; refresh tokens (CDK adds
		// ALLOW_REFRESH_TOKEN_AUTH with any flow).
		AuthFlows: &awscognito.AuthFlow{UserSrp: jsii.Bool(true), UserPassword: jsii.Bool(true)},
		// The admin UI signs users in with the hosted sign-in page: the authorization code
		// grant with PKCE (a public client), back to the UI's page only.
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: &[]*string{uiURL, uiPage},
			LogoutUrls:   &[]*string{uiURL, uiPage},
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		IdTokenValidity:            awscdk.Duration_Minutes(jsii.Number(AdminIDTokenValidityMinutes)),
		AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(AdminIDTokenValidityMinutes)),
		RefreshTokenValidity:       awscdk.Duration_Hours(jsii.Number(AdminRefreshTokenValidityHours)),
		EnableTokenRevocation:      jsii.Bool(true),
		PreventUserExistenceErrors: jsii.Bool(true),
		// The ID token carries what the client may read: custom:clientId among them.
		ReadAttributes: awscognito.NewClientAttributes().
			WithStandardAttributes(&awscognito.StandardAttributesMask{Email: jsii.Bool(true), EmailVerified: jsii.Bool(true), Fullname: jsii.Bool(true)}).
			WithCustomAttributes(jsii.String(resourcenames.UserAttrClientID)),
		// What a user may change about themselves: never their brand.
		WriteAttributes: awscognito.NewClientAttributes().
			WithStandardAttributes(&awscognito.StandardAttributesMask{Email: jsii.Bool(true), Fullname: jsii.Bool(true)}),
	})

	// The hosted sign-in (Cognito's classic hosted UI) on a prefix domain, unique per account
	// and region: wabot-<env>-<account>.auth.<region>.amazoncognito.com.
	login := pool.AddDomain(jsii.String("LoginDomain"), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{
			DomainPrefix: jsii.String(fmt.Sprintf("wabot-%s-%s", env, *awscdk.Aws_ACCOUNT_ID())),
		},
	})

	issuer := jsii.String(fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", *awscdk.Aws_REGION(), *pool.UserPoolId()))
	return pool, client, issuer, login
}

// camel turns "brand-admin" into "BrandAdmin", for construct ids.
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(s, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
