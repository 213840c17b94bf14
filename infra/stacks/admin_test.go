package stacks_test

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/infra/internal/cdktest"
	"github.com/wabot-platform/wabot/infra/stacks"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// adminIDs are the logical ids of the admin API's resources in one fixture.
type adminIDs struct {
	fn, role, tenantRole, pool, client, authorizer, api string
}

func (fx *fixture) adminIDs(t *testing.T) adminIDs {
	t.Helper()
	a := fx.stack.Admin()
	ids := adminIDs{
		fn:         fx.logicalID(t, a.Function()),
		role:       fx.logicalID(t, a.Function().Role()),
		tenantRole: fx.logicalID(t, a.TenantAdminRole()),
		pool:       fx.logicalID(t, a.UserPool()),
		client:     fx.logicalID(t, a.UserPoolClient()),
		api:        fx.logicalID(t, fx.stack.Runtime().API()),
	}
	authorizers := fx.resourcesOf("AWS::ApiGatewayV2::Authorizer")
	if len(authorizers) != 1 {
		t.Fatalf("%d authorizers, want the admin JWT authorizer alone", len(authorizers))
	}
	for id := range authorizers {
		ids.authorizer = id
	}
	return ids
}

// issuer is how the template writes the user pool's token issuer.
func (ids adminIDs) issuer() map[string]any {
	return map[string]any{"Fn::Join": []any{"", []any{
		"https://cognito-idp.", map[string]any{"Ref": "AWS::Region"}, ".amazonaws.com/", ref(ids.pool),
	}}}
}

// routesByKey returns the API's routes by route key.
func (fx *fixture) routesByKey(t *testing.T) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, r := range fx.resourcesOf("AWS::ApiGatewayV2::Route") {
		key, _ := props(r)["RouteKey"].(string)
		if _, dup := out[key]; dup {
			t.Fatalf("two routes %s", key)
		}
		p := props(r)
		p["_id"] = id
		out[key] = p
	}
	return out
}

// The API has the webhook's route and the admin routes, nothing else; every admin route but
// the OpenAPI document requires a JWT of the admin user pool, and both invoke the admin
// function.
func TestAdminRoutesAndAuthorizer(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		ids := fx.adminIDs(t)
		routes := fx.routesByKey(t)
		want := append([]string{"POST " + resourcenames.WebhookPath, "POST " + stacks.AsaasWebhookPath}, stacks.AdminRouteKeys...)
		want = append(want, stacks.AdminUIRouteKeys...)
		got := slices.Sorted(func(yield func(string) bool) {
			for k := range routes {
				if !yield(k) {
					return
				}
			}
		})
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Fatalf("routes %v, want %v", got, want)
		}
		if !slices.Contains(stacks.AdminRouteKeys, "GET "+resourcenames.AdminOpenAPIPath) ||
			!slices.Contains(stacks.AdminRouteKeys, "ANY "+resourcenames.AdminPathPrefix+"/{proxy+}") {
			t.Errorf("AdminRouteKeys %v", stacks.AdminRouteKeys)
		}
		adminIntegration := ""
		for id, in := range fx.resourcesOf("AWS::ApiGatewayV2::Integration") {
			if jsonEqual(props(in)["IntegrationUri"], getAtt(ids.fn, "Arn")) {
				adminIntegration = id
				if props(in)["IntegrationType"] != "AWS_PROXY" || props(in)["PayloadFormatVersion"] != "2.0" {
					t.Errorf("admin integration %v", props(in))
				}
			}
		}
		if adminIntegration == "" {
			t.Fatal("no integration invokes the admin function")
		}
		for key, r := range routes {
			path := strings.SplitN(key, " ", 2)[1]
			if slices.Contains(stacks.AdminUIRouteKeys, key) {
				// The UI's page and bundle: the admin function, no token, GET only.
				if !mentions(t, r["Target"], adminIntegration) || (r["AuthorizationType"] != nil && r["AuthorizationType"] != "NONE") ||
					r["AuthorizerId"] != nil || !strings.HasPrefix(key, "GET /admin") || strings.HasPrefix(path, resourcenames.AdminPathPrefix) {
					t.Errorf("UI route %s: %v", key, r)
				}
				continue
			}
			if !strings.HasPrefix(path, resourcenames.AdminPathPrefix+"/") {
				if r["AuthorizationType"] != nil && r["AuthorizationType"] != "NONE" {
					t.Errorf("route %s has authorization %v (Twilio signs its requests, Asaas sends its token)", key, r["AuthorizationType"])
				}
				continue
			}
			if !mentions(t, r["Target"], adminIntegration) {
				t.Errorf("route %s targets %v, not the admin function's integration", key, r["Target"])
			}
			if path == resourcenames.AdminOpenAPIPath {
				if r["AuthorizationType"] != nil && r["AuthorizationType"] != "NONE" || r["AuthorizerId"] != nil {
					t.Errorf("route %s requires a token: %v", key, r)
				}
				continue
			}
			if r["AuthorizationType"] != "JWT" || !jsonEqual(r["AuthorizerId"], ref(ids.authorizer)) {
				t.Errorf("route %s: authorization %v with %v, want JWT with the admin authorizer %s", key, r["AuthorizationType"], r["AuthorizerId"], ids.authorizer)
			}
		}
		fx.hasResource(t, "AWS::ApiGatewayV2::Authorizer", ids.authorizer, map[string]any{
			"ApiId":          ref(ids.api),
			"AuthorizerType": "JWT",
			"IdentitySource": assertions.Match_Exact([]any{"$request.header.Authorization"}),
			"JwtConfiguration": assertions.Match_Exact(map[string]any{
				"Audience": []any{ref(ids.client)},
				"Issuer":   ids.issuer(),
			}),
		})
		// API Gateway may invoke the admin function on its routes, nobody else.
		perms := *fx.template.FindResources(jsii.String("AWS::Lambda::Permission"), map[string]any{
			"Properties": map[string]any{"FunctionName": getAtt(ids.fn, "Arn")},
		})
		if len(perms) != len(stacks.AdminRouteKeys)+len(stacks.AdminUIRouteKeys) {
			t.Errorf("%d invoke permissions on the admin function, want one per admin route", len(perms))
		}
		for id, p := range perms {
			pp := (*p)["Properties"].(map[string]any)
			if pp["Principal"] != "apigateway.amazonaws.com" || !mentions(t, pp["SourceArn"], ids.api) ||
				!strings.Contains(cdktest.JSON(t, pp["SourceArn"]), "/admin") {
				t.Errorf("permission %s: %v", id, pp)
			}
		}
	})
}

// The admin routes have a throttle of their own, at most the webhook's rate and the admin
// function's concurrency, set as route settings of the $default stage (which therefore
// depends on the routes).
func TestAdminRoutesAreThrottled(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		s := fx.stack.Settings()
		stages := fx.resourcesOf("AWS::ApiGatewayV2::Stage")
		if len(stages) != 1 {
			t.Fatalf("%d stages", len(stages))
		}
		routes := fx.routesByKey(t)
		for id, st := range stages {
			settings, _ := props(st)["RouteSettings"].(map[string]any)
			// The admin routes' and the Asaas route's (runtime_test.go): none overwrites another's.
			if len(settings) != len(stacks.AdminRouteKeys)+len(stacks.AdminUIRouteKeys)+1 || settings["POST "+stacks.AsaasWebhookPath] == nil {
				t.Errorf("route settings %v, want one per admin route and the Asaas route's", settings)
			}
			for _, key := range append(slices.Clone(stacks.AdminRouteKeys), stacks.AdminUIRouteKeys...) {
				want := map[string]any{"ThrottlingBurstLimit": stacks.AdminAPIBurstLimit, "ThrottlingRateLimit": stacks.AdminAPIRateLimit}
				if !jsonEqual(settings[key], want) {
					t.Errorf("stage route settings of %s = %v, want %v", key, settings[key], want)
				}
				if !slices.Contains(list(st["DependsOn"]), any(routes[key]["_id"])) {
					t.Errorf("stage %s does not depend on route %s: CloudFormation could set its settings first", id, key)
				}
			}
		}
		if stacks.AdminAPIRateLimit > s.APIRateLimit {
			t.Errorf("admin rate %d/s is above the webhook's %d/s", stacks.AdminAPIRateLimit, s.APIRateLimit)
		}
		if stacks.AdminAPIBurstLimit > stacks.AdminReservedConcurrency || stacks.AdminAPIRateLimit > stacks.AdminAPIBurstLimit {
			t.Errorf("admin burst %d, rate %d, reserved concurrency %d: the routes admit more than the function may run",
				stacks.AdminAPIBurstLimit, stacks.AdminAPIRateLimit, stacks.AdminReservedConcurrency)
		}
	})
}

func TestAdminUserPool(t *testing.T) {
	tests := []struct {
		env, policy, deletionProtection string
	}{
		{resourcenames.EnvDev, "Delete", "INACTIVE"},
		{resourcenames.EnvStaging, "Retain", "INACTIVE"},
		{resourcenames.EnvProd, "Retain", "ACTIVE"},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			fx := envFixture(t, tt.env)
			ids := fx.adminIDs(t)
			pools := fx.resourcesOf("AWS::Cognito::UserPool")
			if len(pools) != 1 || pools[ids.pool] == nil {
				t.Fatalf("user pools %v, want the admin pool alone", pools)
			}
			pool := pools[ids.pool]
			if pool["DeletionPolicy"] != tt.policy || pool["UpdateReplacePolicy"] != tt.policy {
				t.Errorf("deletion policy %v / %v, want %s", pool["DeletionPolicy"], pool["UpdateReplacePolicy"], tt.policy)
			}
			fx.hasResource(t, "AWS::Cognito::UserPool", ids.pool, map[string]any{
				// A literal: the local emulator reads it from the template.
				"UserPoolName": resourcenames.UserPoolName(tt.env),
				// No self sign-up: administrators create the users.
				"AdminCreateUserConfig": assertions.Match_ObjectLike(&map[string]any{"AllowAdminCreateUserOnly": true}),
				"AliasAttributes":       assertions.Match_Exact([]any{"email"}),
				"UsernameConfiguration": map[string]any{"CaseSensitive": false},
				"MfaConfiguration":      "OPTIONAL",
				"EnabledMfas":           assertions.Match_Exact([]any{"SOFTWARE_TOKEN_MFA"}),
				"Policies": map[string]any{"PasswordPolicy": map[string]any{
					"MinimumLength": stacks.AdminPasswordMinLength, "RequireLowercase": true, "RequireUppercase": true,
					"RequireNumbers": true, "RequireSymbols": true, "PasswordHistorySize": stacks.AdminPasswordHistory,
				}},
				"UserPoolTier":       "PLUS",
				"UserPoolAddOns":     map[string]any{"AdvancedSecurityMode": "ENFORCED"},
				"DeletionProtection": tt.deletionProtection,
			})
			// The brand of a user: a custom string attribute, immutable once the user exists.
			var clientID map[string]any
			for _, a := range list(props(pool)["Schema"]) {
				if m, _ := a.(map[string]any); m["Name"] == resourcenames.UserAttrClientID {
					clientID = m
				}
			}
			want := map[string]any{
				"AttributeDataType": "String", "Mutable": false, "Name": resourcenames.UserAttrClientID,
				"StringAttributeConstraints": map[string]any{"MinLength": "1", "MaxLength": "24"},
			}
			if !jsonEqual(clientID, want) {
				t.Errorf("schema attribute %s = %v, want %v", resourcenames.UserAttrClientID, clientID, want)
			}
			if resourcenames.ClaimClientID != "custom:"+resourcenames.UserAttrClientID {
				t.Errorf("claim %s is not the custom attribute %s", resourcenames.ClaimClientID, resourcenames.UserAttrClientID)
			}
			// Threat protection acts: compromised credentials and high-risk sign-ins are blocked.
			risk := fx.resourcesOf("AWS::Cognito::UserPoolRiskConfigurationAttachment")
			if len(risk) != 1 {
				t.Fatalf("%d risk configurations, want 1", len(risk))
			}
			for _, r := range risk {
				b := cdktest.JSON(t, props(r))
				for _, s := range []string{`"UserPoolId":{"Ref":"` + ids.pool + `"}`, `"ClientId":"ALL"`,
					`"CompromisedCredentialsRiskConfiguration":{"Actions":{"EventAction":"BLOCK"}}`,
					`"HighAction":{"EventAction":"BLOCK","Notify":false}`} {
					if !strings.Contains(b, s) {
						t.Errorf("risk configuration lacks %s: %s", s, b)
					}
				}
			}
		})
	}
}

// The app client: no secret, the three auth flows, one-hour tokens, and it may read a user's
// brand but never write it: a user cannot move themselves to another brand.
func TestAdminAppClientCannotWriteTheBrand(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		ids := fx.adminIDs(t)
		clients := fx.resourcesOf("AWS::Cognito::UserPoolClient")
		if len(clients) != 1 || clients[ids.client] == nil {
			t.Fatalf("app clients %v, want the admin client alone", clients)
		}
		fx.hasResource(t, "AWS::Cognito::UserPoolClient", ids.client, map[string]any{
			"ClientName":     resourcenames.UserPoolClientName(env),
			"UserPoolId":     ref(ids.pool),
			"GenerateSecret": false,
			"ExplicitAuthFlows": assertions.Match_Exact([]any{
				"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
			}),
			"IdTokenValidity":            stacks.AdminIDTokenValidityMinutes,
			"AccessTokenValidity":        stacks.AdminIDTokenValidityMinutes,
			"TokenValidityUnits":         assertions.Match_ObjectLike(&map[string]any{"IdToken": "minutes", "AccessToken": "minutes"}),
			"EnableTokenRevocation":      true,
			"PreventUserExistenceErrors": "ENABLED",
			// The admin UI's hosted sign-in: the code grant only (no implicit tokens in URLs).
			"AllowedOAuthFlows":               assertions.Match_Exact([]any{"code"}),
			"AllowedOAuthFlowsUserPoolClient": true,
			"AllowedOAuthScopes":              assertions.Match_Exact([]any{"openid", "email", "profile"}),
			"SupportedIdentityProviders":      assertions.Match_Exact([]any{"COGNITO"}),
		})
		p := props(clients[ids.client])
		// Back to the UI's page on the API's origin only, with and without the trailing slash.
		callbacks := cdktest.JSON(t, p["CallbackURLs"])
		if len(list(p["CallbackURLs"])) != 2 || !strings.Contains(callbacks, "/admin/") || !mentions(t, p["CallbackURLs"], ids.api) ||
			cdktest.JSON(t, p["LogoutURLs"]) != callbacks {
			t.Errorf("callback URLs %s, logout URLs %s: want the API's /admin and /admin/", callbacks, cdktest.JSON(t, p["LogoutURLs"]))
		}
		// The hosted sign-in's domain, which the function hands the UI.
		domains := fx.resourcesOf("AWS::Cognito::UserPoolDomain")
		if len(domains) != 1 {
			t.Fatalf("%d user pool domains, want the hosted sign-in's", len(domains))
		}
		for id, d := range domains {
			if !jsonEqual(props(d)["UserPoolId"], ref(ids.pool)) || !strings.Contains(cdktest.JSON(t, props(d)["Domain"]), "wabot-"+env+"-") {
				t.Errorf("domain %s: %v", id, props(d))
			}
		}
		fnEnv := cdktest.JSON(t, props(fx.resourcesOf("AWS::Lambda::Function")[ids.fn])["Environment"])
		if !strings.Contains(fnEnv, resourcenames.EnvVarLoginDomain) || !strings.Contains(fnEnv, "amazoncognito.com") {
			t.Errorf("the admin function's environment lacks the hosted sign-in (%s): %s", resourcenames.EnvVarLoginDomain, fnEnv)
		}
		write := list(p["WriteAttributes"])
		if len(write) == 0 {
			t.Fatal("no WriteAttributes: without them the client may write every writable attribute")
		}
		for _, a := range write {
			if strings.HasPrefix(a.(string), "custom:") {
				t.Errorf("the app client may write %v", a)
			}
		}
		if slices.Contains(write, any(resourcenames.ClaimClientID)) {
			t.Errorf("the app client may write %s", resourcenames.ClaimClientID)
		}
		// The ID token carries what the client may read: the brand must be there.
		if !slices.Contains(list(p["ReadAttributes"]), any(resourcenames.ClaimClientID)) {
			t.Errorf("ReadAttributes %v lack %s: the ID token would not carry the brand", p["ReadAttributes"], resourcenames.ClaimClientID)
		}
		// Every required attribute is writable (Cognito refuses a client otherwise).
		for _, a := range list(props(fx.resourcesOf("AWS::Cognito::UserPool")[ids.pool])["Schema"]) {
			m := a.(map[string]any)
			if m["Required"] == true && !slices.Contains(write, m["Name"]) {
				t.Errorf("required attribute %v is not writable", m["Name"])
			}
		}
	})
}

// One group per role, named exactly the role (the token's cognito:groups), strongest first.
func TestAdminGroupsAreTheRoles(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	ids := fx.adminIDs(t)
	groups := map[string]float64{}
	for id, g := range fx.resourcesOf("AWS::Cognito::UserPoolGroup") {
		p := props(g)
		if !jsonEqual(p["UserPoolId"], ref(ids.pool)) {
			t.Errorf("group %s is in %v", id, p["UserPoolId"])
		}
		name, _ := p["GroupName"].(string)
		groups[name], _ = p["Precedence"].(float64)
	}
	if len(groups) != len(resourcenames.AdminRoles) {
		t.Errorf("groups %v, want %v", groups, resourcenames.AdminRoles)
	}
	for i, role := range resourcenames.AdminRoles {
		prec, ok := groups[role]
		if !ok {
			t.Errorf("no group %s", role)
			continue
		}
		// AdminRoles is weakest first; Cognito's strongest group has the lowest precedence.
		if i > 0 && prec >= groups[resourcenames.AdminRoles[i-1]] {
			t.Errorf("group %s precedence %v is not below %s's", role, prec, resourcenames.AdminRoles[i-1])
		}
	}
}

func TestAdminFunction(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		ids := fx.adminIDs(t)
		data := fx.stack.Data()
		rt := fx.runtimeIDs(t)
		vars := map[string]any{
			resourcenames.EnvVarEnvironment:        env,
			resourcenames.EnvVarClientTable:        ref(fx.logicalID(t, data.ClientConfig())),
			resourcenames.EnvVarStoreTable:         ref(fx.logicalID(t, data.StoreConfig())),
			resourcenames.EnvVarMappingTable:       ref(fx.logicalID(t, data.PhoneMapping())),
			resourcenames.EnvVarConversationTbl:    ref(fx.logicalID(t, data.ConversationState())),
			resourcenames.EnvVarIdempotencyTable:   ref(fx.logicalID(t, data.Idempotency())),
			resourcenames.EnvVarMenuTable:          ref(fx.logicalID(t, data.Menu())),
			resourcenames.EnvVarOrdersTable:        ref(fx.logicalID(t, data.Orders())),
			resourcenames.EnvVarAuditTable:         ref(fx.logicalID(t, data.Audit())),
			resourcenames.EnvVarDailyMetricsTable:  ref(fx.logicalID(t, data.DailyMetrics())),
			resourcenames.EnvVarInboundDLQURL:      ref(rt.dlq),
			resourcenames.EnvVarMetricsNamespace:   resourcenames.MetricNamespace,
			resourcenames.EnvVarTenantAdminRoleARN: getAtt(ids.tenantRole, "Arn"),
			resourcenames.EnvVarJWTIssuer:          ids.issuer(),
			resourcenames.EnvVarJWTAudience:        ref(ids.client),
			resourcenames.EnvVarLoginDomain:        assertions.Match_AnyValue(),
		}
		fx.hasResource(t, functionType, ids.fn, map[string]any{
			"Runtime":                      "provided.al2023",
			"Architectures":                assertions.Match_Exact([]any{"arm64"}),
			"Handler":                      "bootstrap",
			"MemorySize":                   stacks.AdminMemoryMB,
			"Timeout":                      stacks.AdminTimeoutSeconds,
			"ReservedConcurrentExecutions": stacks.AdminReservedConcurrency,
			"TracingConfig":                map[string]any{"Mode": "Active"},
			// Exact: no TENANT_ROLE_ARN (the runtime's tenant role is not the admin's).
			"Environment": map[string]any{"Variables": assertions.Match_Exact(vars)},
		})
		// API Gateway gives up on an HTTP API integration after 30 s.
		if stacks.AdminTimeoutSeconds >= 30 {
			t.Errorf("admin timeout %d s is not under API Gateway's 30 s", stacks.AdminTimeoutSeconds)
		}
		// Its own log group, encrypted with the data key, writable by its role alone.
		p := props(fx.resourcesOf(functionType)[ids.fn])
		group, _ := p["LoggingConfig"].(map[string]any)["LogGroup"].(map[string]any)["Ref"].(string)
		lg := props(fx.resourcesOf(logGroupType)[group])
		if lg["LogGroupName"] != resourcenames.LogGroupPrefix(env)+stacks.AdminAsset || !jsonEqual(lg["KmsKeyId"], fx.keyArn()) {
			t.Errorf("admin log group %v", lg)
		}
		write := statements(fx.rolePolicy(t, ids.role), "logs:PutLogEvents")
		if len(write) != 1 || !slices.EqualFunc(resources(write[0]), []any{getAtt(group, "Arn")}, jsonEqual) {
			t.Errorf("the admin function may write logs to %v, want only its log group", write)
		}
		if !slices.Contains(stacks.LambdaAssetNames, stacks.AdminAsset) {
			t.Errorf("LambdaAssetNames %v lack %s: a missing binary would not be reported", stacks.LambdaAssetNames, stacks.AdminAsset)
		}
	})
}

// The admin function's own role reaches nothing of a brand: no tenant table (but the brand
// list's one partition, the lookup by number, the platform-level idempotency records and the
// audit), no brand's secret, no store queue, no model; every brand's data goes through the
// tenant admin role.
func TestAdminRoleStaysOffTenantDataWithoutASession(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		ids := fx.adminIDs(t)
		rt := fx.runtimeIDs(t)
		data := fx.stack.Data()
		client, audit := fx.logicalID(t, data.ClientConfig()), fx.logicalID(t, data.Audit())
		indexOf := func(table, index string) any {
			return map[string]any{"Fn::Join": []any{"", []any{getAtt(table, "Arn"), "/index/" + index}}}
		}
		type grant struct {
			actions  []any
			resource any
		}
		allowed := []grant{
			{[]any{"dynamodb:Query"}, indexOf(client, resourcenames.BrandsIndex)},
			{[]any{"dynamodb:PutItem", "dynamodb:Query"}, getAtt(audit, "Arn")},
			{[]any{"dynamodb:Query"}, indexOf(audit, resourcenames.AuditByDayIndex)},
			{[]any{"sqs:GetQueueAttributes"}, getAtt(rt.dlq, "Arn")},
			{[]any{"dynamodb:Query"}, indexOf(client, resourcenames.ClientByPhoneIndex)},
			{[]any{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}, getAtt(fx.logicalID(t, data.Idempotency()), "Arn")},
			{[]any{"secretsmanager:GetSecretValue"}, ref(fx.logicalID(t, fx.stack.Admin().PseudonymKey()))},
		}
		var tenantResources []string
		for _, tb := range data.Tables() {
			tenantResources = append(tenantResources, fx.logicalID(t, tb))
		}
		for _, c := range fx.stack.Tenants() {
			tenantResources = append(tenantResources, fx.logicalID(t, c.TwilioSecret()), fx.logicalID(t, c.AsaasSecret()))
			for _, st := range c.Stores() {
				tenantResources = append(tenantResources, fx.logicalID(t, st.Queue()), fx.logicalID(t, st.DeadLetterQueue()))
			}
		}
		seen := map[int]bool{}
		doc := fx.rolePolicy(t, ids.role)
		for _, st := range allowOnly(docStatements(doc)) {
			matched := -1
			for i, g := range allowed {
				if sameActions(list(st["Action"]), g.actions) && jsonEqual(list(st["Resource"]), []any{g.resource}) {
					matched = i
				}
			}
			if matched >= 0 {
				seen[matched] = true
				if matched == 0 {
					// The brand list: its one partition only.
					c, _ := st["Condition"].(map[string]any)
					if !jsonEqual(c, map[string]any{
						"ForAllValues:StringEquals": map[string]any{"dynamodb:LeadingKeys": []any{resourcenames.BrandListValue}},
						"Null":                      map[string]any{"dynamodb:LeadingKeys": "false"},
					}) {
						t.Errorf("brand list statement condition %v", c)
					}
				}
				continue
			}
			for _, id := range tenantResources {
				if mentions(t, st, id) {
					t.Errorf("the admin function's role has a statement on %s: %v", id, st)
				}
			}
			for _, a := range list(st["Action"]) {
				service, _, _ := strings.Cut(a.(string), ":")
				switch service {
				case "logs", "xray":
				case "kms":
					if !strings.Contains(cdktest.JSON(t, st["Condition"]), "kms:ViaService") {
						t.Errorf("data key usable other than through a service: %v", st)
					}
				case "sts":
					if !jsonEqual(list(st["Resource"]), []any{getAtt(ids.tenantRole, "Arn")}) {
						t.Errorf("the admin function may %s on %v, want only the tenant admin role", a, st["Resource"])
					}
				default:
					t.Errorf("the admin function's role may %s: %v", a, st)
				}
			}
		}
		for i, g := range allowed {
			if !seen[i] {
				t.Errorf("the admin function may not %v on %v", g.actions, g.resource)
			}
		}
		for _, action := range []string{"sts:AssumeRole", "sts:TagSession"} {
			if !policyAllows(doc, action, getAtt(ids.tenantRole, "Arn")) {
				t.Errorf("the admin function may not %s the tenant admin role", action)
			}
			for _, other := range []string{fx.logicalID(t, fx.stack.Runtime().TenantRole())} {
				if policyAllows(doc, action, getAtt(other, "Arn")) {
					t.Errorf("the admin function may %s the runtime's tenant access role", action)
				}
			}
		}
	})
}

// tenantAdminRole returns the logical id and resource of the tenant admin role of env.
func (fx *fixture) tenantAdminRole(t *testing.T, env string) (string, map[string]any) {
	t.Helper()
	for id, r := range fx.resourcesOf("AWS::IAM::Role") {
		if props(r)["RoleName"] == resourcenames.TenantAdminRoleName(env) {
			if want := fx.adminIDs(t).tenantRole; id != want {
				t.Fatalf("the role named %s is %s, Admin().TenantAdminRole() is %s", resourcenames.TenantAdminRoleName(env), id, want)
			}
			return id, r
		}
	}
	t.Fatalf("no role named %s", resourcenames.TenantAdminRoleName(env))
	return "", nil
}

// Only the admin function may assume the tenant admin role, only with a clientId session
// tag and no other; the admin function may assume no other role, and the runtime's tenant
// access role does not trust it.
func TestTenantAdminRoleTrustsOnlyTheAdminFunctionWithATaggedSession(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		ids := fx.adminIDs(t)
		id, role := fx.tenantAdminRole(t, env)
		if got := props(role)["MaxSessionDuration"]; got != float64(3600) {
			t.Errorf("MaxSessionDuration = %v, want 3600 (1 h)", got)
		}
		trust := docStatements(props(role)["AssumeRolePolicyDocument"])
		if len(trust) != 1 {
			t.Fatalf("%d trust statements, want 1: %v", len(trust), trust)
		}
		st := trust[0]
		actions := list(st["Action"])
		sort.Slice(actions, func(i, j int) bool { return actions[i].(string) < actions[j].(string) })
		if st["Effect"] != "Allow" || !jsonEqual(actions, []any{"sts:AssumeRole", "sts:TagSession"}) {
			t.Errorf("trust %v", st)
		}
		if !jsonEqual(st["Principal"], map[string]any{"AWS": getAtt(ids.role, "Arn")}) {
			t.Errorf("trusted principal %v, want the admin function's role alone", st["Principal"])
		}
		want := map[string]any{
			"Null":                      map[string]any{"aws:RequestTag/clientId": "false"},
			"StringLike":                map[string]any{"aws:RequestTag/clientId": "?*"},
			"ForAllValues:StringEquals": map[string]any{"aws:TagKeys": []any{"clientId"}},
		}
		if !jsonEqual(st["Condition"], want) {
			t.Errorf("trust condition %v, want %v", st["Condition"], want)
		}
		for other, r := range fx.resourcesOf("AWS::IAM::Role") {
			if other != id && mentions(t, props(r)["AssumeRolePolicyDocument"], ids.role) {
				t.Errorf("role %s also trusts the admin function", other)
			}
		}
	})
}

// The tenant admin role allows exactly resourcenames.TenantAdminTableActions per table, under
// the brand's leading keys, Query on the brand's indexes of the tables it may Query, exactly
// the secret and queue actions under the clientId tag, the brand's model exactly as the
// tenant access role does (its inference profile by tag, the foundation model only through
// a profile: the test chat), and the data key through services.
func TestTenantAdminRoleGrantsExactlyTheContract(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvDev)
	id, _ := fx.tenantAdminRole(t, resourcenames.EnvDev)
	doc := fx.rolePolicy(t, id)
	data := fx.stack.Data()
	names := resourcenames.TablesFor(resourcenames.EnvDev)
	tables := map[string]string{} // base name → logical id
	for _, tb := range data.Tables() {
		ref, _ := fx.stack.Resolve(tb.TableName()).(map[string]any)
		for _, base := range []string{resourcenames.ClientConfigTable, resourcenames.StoreConfigTable, resourcenames.PhoneMappingTable,
			resourcenames.ConversationStateTable, resourcenames.IdempotencyTable, resourcenames.MenuTable, resourcenames.OrdersTable,
			resourcenames.AuditTable, resourcenames.DailyMetricsTable} {
			if props(fx.resourcesOf(tableType)[ref["Ref"].(string)])["TableName"] == base+"-"+resourcenames.EnvDev {
				tables[base] = ref["Ref"].(string)
			}
		}
	}
	if len(tables) != len(names.All()) {
		t.Fatalf("tables %v", tables)
	}
	all := []string{"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "BatchGetItem", "Scan",
		"ConditionCheckItem", "PartiQLSelect", "TransactGetItems", "TransactWriteItems"}
	for base, tableID := range tables {
		want := resourcenames.TenantAdminTableActions[base] // nil for Idempotency and Audit
		for _, a := range all {
			if got := policyAllows(doc, "dynamodb:"+a, getAtt(tableID, "Arn")); got != slices.Contains(want, a) {
				t.Errorf("tenant admin role dynamodb:%s on %s: allowed=%v, want %v", a, base, got, !got)
			}
		}
	}
	// Query on exactly the indexes that lead with the brand, of tables it may Query.
	brandIndexes := map[string][]string{
		resourcenames.PhoneMappingTable:      {resourcenames.MappingsByBrandIndex},
		resourcenames.ConversationStateTable: {resourcenames.ConversationBySessionIndex, resourcenames.ConversationsByStoreIndex},
		resourcenames.OrdersTable:            {resourcenames.OrdersByStoreIndex, resourcenames.OrdersByCustomerIndex},
	}
	var wantIndexes []any
	for base, indexes := range brandIndexes {
		if !slices.Contains(resourcenames.TenantAdminTableActions[base], "Query") {
			continue
		}
		for _, ix := range indexes {
			wantIndexes = append(wantIndexes, map[string]any{"Fn::Join": []any{"", []any{getAtt(tables[base], "Arn"), "/index/" + ix}}})
		}
	}
	var gotIndexes []any
	for _, st := range allowOnly(docStatements(doc)) {
		for _, r := range list(st["Resource"]) {
			if strings.Contains(cdktest.JSON(t, r), "/index/") {
				gotIndexes = append(gotIndexes, r)
				if !jsonEqual(list(st["Action"]), []any{"dynamodb:Query"}) {
					t.Errorf("index statement allows %v", st["Action"])
				}
			}
		}
	}
	if len(gotIndexes) != len(wantIndexes) {
		t.Errorf("indexes %s, want %s", cdktest.JSON(t, gotIndexes), cdktest.JSON(t, wantIndexes))
	}
	for _, w := range wantIndexes {
		if !slices.ContainsFunc(gotIndexes, func(g any) bool { return jsonEqual(g, w) }) {
			t.Errorf("the tenant admin role may not Query %s", cdktest.JSON(t, w))
		}
	}
	// Conditions, and nothing but DynamoDB, Secrets Manager, SQS, Bedrock and KMS.
	secretActions, queueActions := []string{}, []string{}
	var models []map[string]any
	for _, st := range allowOnly(docStatements(doc)) {
		if slices.ContainsFunc(list(st["Action"]), func(a any) bool { return strings.HasPrefix(a.(string), "bedrock:") }) {
			checkModelStatement(t, "the tenant admin role", st)
			models = append(models, st)
			continue
		}
		b, _ := json.Marshal(st["Action"])
		for _, a := range list(st["Action"]) {
			service, action, _ := strings.Cut(a.(string), ":")
			switch service {
			case "dynamodb":
				if !leadingKeysConfined(st) {
					t.Errorf("DynamoDB statement without the LeadingKeys condition and its Null guard: %s", b)
				}
			case "secretsmanager", "sqs":
				c, _ := st["Condition"].(map[string]any)
				eq, _ := c["StringEquals"].(map[string]any)
				if eq["aws:ResourceTag/clientId"] != "${aws:PrincipalTag/clientId}" {
					t.Errorf("%s statement not confined by aws:ResourceTag/clientId: %v", a, st)
				}
				if service == "sqs" {
					queueActions = append(queueActions, action)
				} else {
					secretActions = append(secretActions, action)
				}
			case "kms":
				if !strings.Contains(cdktest.JSON(t, st["Condition"]), "kms:ViaService") {
					t.Errorf("data key usable other than through a service: %v", st)
				}
			default:
				t.Errorf("the tenant admin role may %s", a)
			}
		}
	}
	slices.Sort(secretActions)
	slices.Sort(queueActions)
	if want := slices.Sorted(slices.Values(resourcenames.TenantAdminSecretActions)); !slices.Equal(secretActions, want) {
		t.Errorf("secret actions %v, want %v", secretActions, want)
	}
	if want := slices.Sorted(slices.Values(resourcenames.TenantAdminQueueActions)); !slices.Equal(queueActions, want) {
		t.Errorf("queue actions %v, want %v", queueActions, want)
	}
	// The model: the tenant access role's Bedrock statements, exactly (one builder).
	tenantID, _ := fx.tenantRole(t, resourcenames.EnvDev)
	var runtime []map[string]any
	for _, st := range allowOnly(docStatements(fx.rolePolicy(t, tenantID))) {
		if slices.ContainsFunc(list(st["Action"]), func(a any) bool { return strings.HasPrefix(a.(string), "bedrock:") }) {
			runtime = append(runtime, st)
		}
	}
	if len(models) != 2 || !jsonEqual(models, runtime) {
		t.Errorf("the tenant admin role's Bedrock statements %s, want the tenant access role's %s", cdktest.JSON(t, models), cdktest.JSON(t, runtime))
	}
	for _, action := range []string{"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"} {
		if !slices.ContainsFunc(models, func(st map[string]any) bool { return slices.Contains(list(st["Action"]), any(action)) }) {
			t.Errorf("the tenant admin role may not %s", action)
		}
	}
}

// Neither admin role may scan: both are denied Scan and PartiQL on every table.
func TestAdminRolesAreDeniedScans(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		ids := fx.adminIDs(t)
		for _, role := range []string{ids.role, ids.tenantRole} {
			doc := fx.rolePolicy(t, role)
			for _, tb := range fx.stack.Data().Tables() {
				arn := getAtt(fx.logicalID(t, tb), "Arn")
				denied := false
				for _, st := range docStatements(doc) {
					if st["Effect"] == "Deny" && stmtAllows(st, "dynamodb:Scan", arn) && stmtAllows(st, "dynamodb:PartiQLSelect", arn) {
						denied = true
					}
				}
				if !denied {
					t.Errorf("role %s is not denied Scan and PartiQL on %s", role, *tb.Node().Id())
				}
			}
		}
	})
}

func TestAdminAlarmsAndOutputs(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		ids := fx.adminIDs(t)
		if n := len(fx.stack.Admin().Alarms()); n != 3 {
			t.Errorf("Admin().Alarms() has %d alarms, want 3 (errors, throttles, audit write failures)", n)
		}
		// A change without its audit record alarms: a metric filter on the admin function's
		// log group, on the event the API logs.
		fn := *fx.template.FindResources(jsii.String("AWS::Lambda::Function"), nil)
		lc, _ := (*fn[ids.fn])["Properties"].(map[string]any)["LoggingConfig"].(map[string]any)
		group, _ := lc["LogGroup"].(map[string]any)
		check(t, func() {
			fx.template.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), map[string]any{
				"LogGroupName":  group,
				"FilterPattern": `{ $.event = "` + resourcenames.EventAuditWriteFailed + `" }`,
				"MetricTransformations": []any{map[string]any{
					"MetricNamespace": resourcenames.MetricNamespace, "MetricName": "AuditWriteFailures", "MetricValue": "1",
				}},
			})
			fx.template.HasResourceProperties(jsii.String(alarmType), map[string]any{
				"Namespace": resourcenames.MetricNamespace, "MetricName": "AuditWriteFailures", "Threshold": 1,
			})
		})
		for _, metric := range []string{"Errors", "Throttles"} {
			check(t, func() {
				fx.template.HasResourceProperties(jsii.String(alarmType), map[string]any{
					"Namespace": "AWS/Lambda", "MetricName": metric, "Statistic": "Sum", "Threshold": 1, "Period": 300,
					"Dimensions": assertions.Match_Exact([]any{map[string]any{"Name": "FunctionName", "Value": ref(ids.fn)}}),
				})
			})
		}
		outputs := *fx.template.FindOutputs(jsii.String("*"), nil)
		want := map[string]any{
			"AdminApiUrl":           map[string]any{"Fn::Join": []any{"", []any{getAtt(ids.api, "ApiEndpoint"), resourcenames.AdminPathPrefix}}},
			"AdminUserPoolId":       ref(ids.pool),
			"AdminUserPoolClientId": ref(ids.client),
			"AdminJwtIssuer":        ids.issuer(),
		}
		for prefix, value := range want {
			found := false
			for id, o := range outputs {
				if strings.HasPrefix(id, prefix) && (len(id) == len(prefix)+8) && jsonEqual((*o)["Value"], value) {
					found = true
				}
			}
			if !found {
				t.Errorf("no output %s = %s", prefix, cdktest.JSON(t, value))
			}
		}
		for _, d := range fx.resourcesOf("AWS::CloudWatch::Dashboard") {
			if !strings.Contains(cdktest.JSON(t, props(d)["DashboardBody"]), `Admin function`) {
				t.Error("the dashboard has no admin function widget")
			}
		}
	})
}

func TestAdminPropsValidate(t *testing.T) {
	t.Parallel()
	var nilProps *stacks.AdminProps
	if err := nilProps.Validate(); err == nil {
		t.Error("nil props validate")
	}
	for name, p := range map[string]stacks.AdminProps{
		"no data":    {Runtime: fakeRuntime{}, AssetsDir: testAssets()},
		"no runtime": {Data: fakeData{}, AssetsDir: testAssets()},
	} {
		if err := p.Validate(); err == nil {
			t.Errorf("%s: Validate() = nil", name)
		}
	}
}

// fakeRuntime satisfies stacks.Runtime for validation tests.
type fakeRuntime struct{ stacks.Runtime }

// The pseudonymisation key: one generated secret per environment, encrypted with the data key,
// tagged with no brand (so no tenant session reads it), never rotated.
func TestPseudonymKeySecret(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		id := fx.logicalID(t, fx.stack.Admin().PseudonymKey())
		fx.hasResource(t, "AWS::SecretsManager::Secret", id, map[string]any{
			"Name":     resourcenames.PseudonymKeySecret(env),
			"KmsKeyId": fx.keyArn(),
			"GenerateSecretString": assertions.Match_ObjectLike(&map[string]any{
				"PasswordLength": stacks.PseudonymKeyLength, "ExcludePunctuation": true,
			}),
			"SecretString": assertions.Match_Absent(),
		})
		if stacks.PseudonymKeyLength < 32 {
			t.Errorf("pseudonym key of %d characters, package privacy needs 32 bytes", stacks.PseudonymKeyLength)
		}
		for _, tag := range list(props(fx.resourcesOf("AWS::SecretsManager::Secret")[id])["Tags"]) {
			if tag.(map[string]any)["Key"] == resourcenames.TagClientID {
				t.Errorf("the pseudonym key is tagged %v: that brand's sessions could read it", tag)
			}
		}
		// Only the admin function's role and the worker's (a customer's erasure in the chat) name it.
		own := fx.rolePolicy(t, fx.adminIDs(t).role)
		worker := fx.rolePolicy(t, fx.runtimeIDs(t).workerRole)
		for where, doc := range fx.everyPolicy() {
			if mentions(t, doc, id) && !jsonEqual(doc, own) && !jsonEqual(doc, worker) {
				t.Errorf("%s refers to the pseudonym key", where)
			}
		}
	})
}

// sameActions reports whether two statements' action lists hold the same actions.
func sameActions(a, b []any) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	less := func(p, q any) int { return strings.Compare(p.(string), q.(string)) }
	slices.SortFunc(x, less)
	slices.SortFunc(y, less)
	return jsonEqual(x, y)
}

// Lambda keeps at least 100 of an account's 1,000 concurrent executions unreserved, and all
// three environments may share one account: the admin function's reservation included.
func TestReservedConcurrencyWithTheAdminFitsOneAccount(t *testing.T) {
	t.Parallel()
	total := 0
	for _, env := range resourcenames.Environments {
		s, err := config.For(env)
		if err != nil {
			t.Fatal(err)
		}
		total += s.WebhookReservedConcurrency + s.WorkerReservedConcurrency + stacks.AdminReservedConcurrency
	}
	if total > 1000-100 {
		t.Errorf("the environments reserve %d concurrent executions, more than 900", total)
	}
}
