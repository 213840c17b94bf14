package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/wabot-platform/wabot/shared/adminauth"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// cognitoTemplate is the admin user pool as the CDK synthesizes it (infra/stacks/admin.go):
// a pool with the clientId custom attribute, an app client without a secret, and one group
// per role. signInByEmail adds UsernameAttributes ["email"] (users sign in with their email).
func cognitoTemplate(t *testing.T, signInByEmail bool) *emulator.Template {
	t.Helper()
	pool := map[string]any{
		"UserPoolName":           resourcenames.UserPoolName("dev"),
		"AdminCreateUserConfig":  map[string]any{"AllowAdminCreateUserOnly": true},
		"AutoVerifiedAttributes": []any{"email"},
		"Policies": map[string]any{"PasswordPolicy": map[string]any{
			"MinimumLength": 12, "RequireLowercase": true, "RequireUppercase": true,
			"RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": 3,
		}},
		"Schema": []any{map[string]any{
			"AttributeDataType": "String", "Mutable": false, "Name": resourcenames.UserAttrClientID,
			"StringAttributeConstraints": map[string]any{"MinLength": "1", "MaxLength": "63"},
		}},
		"UsernameConfiguration": map[string]any{"CaseSensitive": false},
		"UserPoolTags":          map[string]any{"project": "wabot"},
		"MfaConfiguration":      "OFF",
	}
	if signInByEmail {
		pool["UsernameAttributes"] = []any{"email"}
	}
	ref := map[string]any{"Ref": "AdminUserPool1A2B3C4D"}
	res := map[string]any{
		"AdminUserPool1A2B3C4D": map[string]any{"Type": "AWS::Cognito::UserPool", "Properties": pool,
			"UpdateReplacePolicy": "Retain", "DeletionPolicy": "Retain"},
		"AdminUserPoolAdminClient5E6F7A8B": map[string]any{"Type": "AWS::Cognito::UserPoolClient", "Properties": map[string]any{
			"ClientName":                 resourcenames.UserPoolClientName("dev"),
			"UserPoolId":                 ref,
			"GenerateSecret":             false,
			"ExplicitAuthFlows":          []any{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
			"PreventUserExistenceErrors": "ENABLED",
			"SupportedIdentityProviders": []any{"COGNITO"},
		}},
	}
	for i, role := range resourcenames.AdminRoles {
		res["AdminGroup"+strings.ReplaceAll(role, "-", "")] = map[string]any{"Type": "AWS::Cognito::UserPoolGroup", "Properties": map[string]any{
			"GroupName": role, "UserPoolId": ref, "Precedence": len(resourcenames.AdminRoles) - i,
			"Description": "the " + role + " role",
		}}
	}
	b, err := json.Marshal(map[string]any{"Resources": res})
	if err != nil {
		t.Fatal(err)
	}
	var tmpl emulator.Template
	if err := json.Unmarshal(b, &tmpl); err != nil {
		t.Fatal(err)
	}
	return &tmpl
}

func TestTemplateUserPools(t *testing.T) {
	specs, err := cognitoTemplate(t, true).UserPools()
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 1 {
		t.Fatalf("%d pools, want 1", len(specs))
	}
	s := specs[0]
	if s.PoolName != "wabot-dev-admins" || !s.AdminCreateUserOnly || s.PasswordPolicy == nil ||
		aws.ToInt32(s.PasswordPolicy.MinimumLength) != 12 || s.PasswordPolicy.TemporaryPasswordValidityDays != 3 ||
		!reflect.DeepEqual(s.UsernameAttributes, []ciptypes.UsernameAttributeType{"email"}) || s.Tags["project"] != "wabot" {
		t.Errorf("pool spec = %+v", s)
	}
	if len(s.Schema) != 1 || aws.ToString(s.Schema[0].Name) != "clientId" || aws.ToBool(s.Schema[0].Mutable) ||
		aws.ToString(s.Schema[0].StringAttributeConstraints.MaxLength) != "63" {
		t.Errorf("schema = %+v", s.Schema)
	}
	if len(s.Clients) != 1 || s.Clients[0].ClientName != "wabot-dev-admin" || s.Clients[0].GenerateSecret || len(s.Clients[0].ExplicitAuthFlows) != 3 {
		t.Errorf("clients = %+v", s.Clients)
	}
	var groups []string
	for _, g := range s.Groups {
		groups = append(groups, g.GroupName)
	}
	if !reflect.DeepEqual(groups, []string{"brand-admin", "brand-viewer", "platform-admin"}) {
		t.Errorf("groups = %v", groups)
	}

	// Names are contracts; a client or group must hang off a pool of the template.
	for name, edit := range map[string]func(map[string]emulator.Resource){
		"pool name not literal": func(r map[string]emulator.Resource) {
			r["AdminUserPool1A2B3C4D"].Properties["UserPoolName"] = map[string]any{"Fn::Join": []any{"", []any{"a", "b"}}}
		},
		"client of an unknown pool": func(r map[string]emulator.Resource) {
			r["AdminUserPoolAdminClient5E6F7A8B"].Properties["UserPoolId"] = map[string]any{"Ref": "Elsewhere"}
		},
		"group with an imported pool": func(r map[string]emulator.Resource) {
			r["AdminGroupbrandadmin"].Properties["UserPoolId"] = "us-east-1_abc"
		},
	} {
		tmpl := cognitoTemplate(t, false)
		edit(tmpl.Resources)
		if _, err := tmpl.UserPools(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// applyCognito applies tmpl's user pools under names of this test's own.
func applyCognito(t *testing.T, tmpl *emulator.Template, tag string) (emulator.UserPool, string, emulator.Options) {
	t.Helper()
	cfg := emulatortest.Config(t)
	opts := emulator.Options{Rename: renamer(t, tag)}
	pools, err := emulator.ApplyUserPools(context.Background(), cip.NewFromConfig(cfg), tmpl, opts)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	name := opts.Rename(resourcenames.UserPoolName("dev"))
	pool, ok := pools[name]
	if !ok {
		t.Fatalf("no pool %s in %v", name, pools)
	}
	t.Cleanup(func() {
		_, _ = cip.NewFromConfig(cfg).DeleteUserPool(context.Background(), &cip.DeleteUserPoolInput{UserPoolId: aws.String(pool.ID)})
	})
	return pool, opts.Rename(resourcenames.UserPoolClientName("dev")), opts
}

func TestApplyUserPools(t *testing.T) {
	ctx := context.Background()
	cfg := emulatortest.Config(t)
	c := cip.NewFromConfig(cfg)
	tmpl := cognitoTemplate(t, true)
	pool, clientName, opts := applyCognito(t, tmpl, "u")

	desc, err := c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool.ID)})
	if err != nil {
		t.Fatal(err)
	}
	var custom *ciptypes.SchemaAttributeType
	for i, a := range desc.UserPool.SchemaAttributes {
		if aws.ToString(a.Name) == resourcenames.ClaimClientID {
			custom = &desc.UserPool.SchemaAttributes[i]
		}
	}
	if custom == nil || aws.ToBool(custom.Mutable) || custom.AttributeDataType != ciptypes.AttributeDataTypeString {
		t.Errorf("custom attribute %s: %+v", resourcenames.ClaimClientID, custom)
	}
	if pp := desc.UserPool.Policies.PasswordPolicy; aws.ToInt32(pp.MinimumLength) != 12 || !pp.RequireSymbols {
		t.Errorf("password policy = %+v", pp)
	}
	if !reflect.DeepEqual(desc.UserPool.UsernameAttributes, []ciptypes.UsernameAttributeType{"email"}) {
		t.Errorf("username attributes = %v", desc.UserPool.UsernameAttributes)
	}

	clientID, ok := pool.Clients[clientName]
	if !ok {
		t.Fatalf("no app client %s in %+v", clientName, pool)
	}
	cl, err := c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(pool.ID), ClientId: aws.String(clientID)})
	if err != nil {
		t.Fatal(err)
	}
	if cl.UserPoolClient.ClientSecret != nil {
		t.Error("the app client has a secret: a browser holds it")
	}
	if !reflect.DeepEqual(cl.UserPoolClient.ExplicitAuthFlows, []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}) {
		t.Errorf("auth flows = %v", cl.UserPoolClient.ExplicitAuthFlows)
	}
	if !reflect.DeepEqual(pool.Groups, []string{"brand-admin", "brand-viewer", "platform-admin"}) {
		t.Errorf("groups = %v", pool.Groups)
	}

	// A second apply (make dev against a running emulator) reuses the pool, client and groups.
	again, err := emulator.ApplyUserPools(ctx, c, tmpl, opts)
	if err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if !reflect.DeepEqual(again[pool.Name], pool) {
		t.Errorf("second apply:\n%+v\nfirst:\n%+v", again[pool.Name], pool)
	}
	found, err := emulator.LookupUserPool(ctx, c, pool.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(found, pool) {
		t.Errorf("lookup:\n%+v\napply:\n%+v", found, pool)
	}
	if _, err := emulator.LookupUserPool(ctx, c, pool.Name+"-missing"); !errors.Is(err, emulator.ErrUserPoolNotFound) {
		t.Errorf("lookup of a missing pool: %v", err)
	}
}

// claimsOf decodes a JWT's header and payload without verifying it, to pin what the
// emulator's tokens carry (cognito.go's doc comment).
func claimsOf(t *testing.T, token string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	dec := func(s string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	return dec(parts[0]), dec(parts[1])
}

// TestEmulatorTokensVerify signs in to the emulator's pool and verifies the ID tokens with
// adminauth, configured by LocalJWTConfig: the admin API's path, locally.
func TestEmulatorTokensVerify(t *testing.T) {
	for _, byEmail := range []bool{true, false} {
		name := map[bool]string{true: "email sign-in", false: "username sign-in"}[byEmail]
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			cfg := emulatortest.Config(t)
			pool, clientName, _ := applyCognito(t, cognitoTemplate(t, byEmail), "v")
			issuer, audience, jwksURL, err := emulator.LocalJWTConfig(ctx, cfg, emulatortest.Endpoint(t), pool.Name, clientName)
			if err != nil {
				t.Fatal(err)
			}
			if issuer != "https://cognito-idp."+emulator.Region+".amazonaws.com/"+pool.ID {
				t.Errorf("issuer = %q", issuer)
			}
			if audience != pool.Clients[clientName] {
				t.Errorf("audience = %q, want the app client id %q", audience, pool.Clients[clientName])
			}
			if jwksURL != emulatortest.Endpoint(t)+"/"+pool.ID+"/.well-known/jwks.json" {
				t.Errorf("key set URL = %q", jwksURL)
			}
			v, err := adminauth.NewVerifier(adminauth.Config{Issuer: issuer, Audience: audience, JWKSURL: jwksURL})
			if err != nil {
				t.Fatal(err)
			}

			token, username, err := emulator.AdminIDToken(ctx, cfg, pool, clientName, resourcenames.RoleBrandAdmin, "demo-burger")
			if err != nil {
				t.Fatal(err)
			}
			header, claims := claimsOf(t, token)
			if header["alg"] != "RS256" || header["kid"] == "" {
				t.Errorf("header = %v", header)
			}
			if claims["token_use"] != "id" || claims["aud"] != audience || claims["iss"] != issuer ||
				claims[resourcenames.ClaimClientID] != "demo-burger" ||
				!reflect.DeepEqual(claims[resourcenames.ClaimGroups], []any{resourcenames.RoleBrandAdmin}) {
				t.Errorf("claims = %v", claims)
			}
			p, err := v.Verify(ctx, token)
			if err != nil {
				t.Fatalf("verify the emulator's ID token: %v", err)
			}
			if p.Role != resourcenames.RoleBrandAdmin || p.ClientID != "demo-burger" || p.Username != username || p.Subject == "" {
				t.Errorf("principal = %+v (username %s)", p, username)
			}

			// A second sign-in reuses the user; the platform admin has no brand.
			if _, _, err := emulator.AdminIDToken(ctx, cfg, pool, clientName, resourcenames.RoleBrandAdmin, "demo-burger"); err != nil {
				t.Fatalf("second sign-in: %v", err)
			}
			token, _, err = emulator.AdminIDToken(ctx, cfg, pool, clientName, resourcenames.RolePlatformAdmin, "")
			if err != nil {
				t.Fatal(err)
			}
			if p, err := v.Verify(ctx, token); err != nil || p.Role != resourcenames.RolePlatformAdmin || p.ClientID != "" {
				t.Errorf("platform admin: %+v, %v", p, err)
			}

			// The emulator's access token is refused: it names no audience and carries no brand.
			c := cip.NewFromConfig(cfg)
			if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
				UserPoolId: aws.String(pool.ID), Username: aws.String(username), Password: aws.String("Known1!password"), Permanent: true,
			}); err != nil {
				t.Fatal(err)
			}
			auth, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{
				ClientId: aws.String(audience), AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
				AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": "Known1!password"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(ctx, aws.ToString(auth.AuthenticationResult.AccessToken)); !errors.Is(err, adminauth.ErrUnauthenticated) {
				t.Errorf("access token: %v, want ErrUnauthenticated", err)
			}

			// A user in no group signs in, and is authenticated without a role.
			if _, err := c.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{
				UserPoolId: aws.String(pool.ID), Username: aws.String(username), GroupName: aws.String(resourcenames.RoleBrandAdmin),
			}); err != nil {
				t.Fatal(err)
			}
			auth, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{
				ClientId: aws.String(audience), AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
				AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": "Known1!password"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(ctx, aws.ToString(auth.AuthenticationResult.IdToken)); !errors.Is(err, adminauth.ErrNoRole) {
				t.Errorf("user in no group: %v, want ErrNoRole", err)
			}
		})
	}
}

// TestDevTemplateAdminUserPool holds the synthesized dev template (infra/stacks/admin.go) to
// what the local stack relies on: the pool and app client of the contract's names, the
// clientId attribute only an administrator sets, one group per role; and signs in to it, as
// `make token` does, with a token the admin API's verifier accepts.
func TestDevTemplateAdminUserPool(t *testing.T) {
	specs, err := emulatortest.Template(t).UserPools()
	if err != nil {
		t.Fatal(err)
	}
	var spec *emulator.UserPoolSpec
	for i := range specs {
		if specs[i].PoolName == resourcenames.UserPoolName("dev") {
			spec = &specs[i]
		}
	}
	if spec == nil {
		t.Fatalf("the dev template has no AWS::Cognito::UserPool named %s (infra/stacks/admin.go)", resourcenames.UserPoolName("dev"))
	}
	immutable := false
	for _, a := range spec.Schema {
		if aws.ToString(a.Name) == resourcenames.UserAttrClientID {
			immutable = a.Mutable != nil && !*a.Mutable && a.AttributeDataType == ciptypes.AttributeDataTypeString
		}
	}
	if !immutable {
		t.Errorf("the pool's schema has no immutable string attribute %s: %+v", resourcenames.UserAttrClientID, spec.Schema)
	}
	var client *emulator.UserPoolClientSpec
	for i := range spec.Clients {
		if spec.Clients[i].ClientName == resourcenames.UserPoolClientName("dev") {
			client = &spec.Clients[i]
		}
	}
	if client == nil {
		t.Fatalf("the pool has no app client %s: %+v", resourcenames.UserPoolClientName("dev"), spec.Clients)
	}
	if client.GenerateSecret {
		t.Error("the app client has a secret: the admin UI in a browser cannot keep one")
	}
	for _, flow := range []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} {
		if !slices.Contains(client.ExplicitAuthFlows, flow) {
			t.Errorf("the app client does not allow %s: %v", flow, client.ExplicitAuthFlows)
		}
	}
	var groups []string
	for _, g := range spec.Groups {
		groups = append(groups, g.GroupName)
	}
	slices.Sort(groups)
	want := slices.Sorted(slices.Values(resourcenames.AdminRoles))
	if !reflect.DeepEqual(groups, want) {
		t.Errorf("groups = %v, want one per role %v", groups, want)
	}

	ctx := context.Background()
	cfg := emulatortest.Config(t)
	pool, clientName, _ := applyCognito(t, emulatortest.Template(t), "d")
	issuer, audience, jwksURL, err := emulator.LocalJWTConfig(ctx, cfg, emulatortest.Endpoint(t), pool.Name, clientName)
	if err != nil {
		t.Fatal(err)
	}
	v, err := adminauth.NewVerifier(adminauth.Config{Issuer: issuer, Audience: audience, JWKSURL: jwksURL})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := emulator.AdminIDToken(ctx, cfg, pool, clientName, resourcenames.RoleBrandViewer, "demo-pizzaria")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := v.Verify(ctx, token); err != nil || p.Role != resourcenames.RoleBrandViewer || p.ClientID != "demo-pizzaria" {
		t.Errorf("token of the dev template's pool: %+v, %v", p, err)
	}
}

func TestAdminIDTokenRefusesBadInput(t *testing.T) {
	pool := emulator.UserPool{ID: "us-east-1_x", Name: "p", Clients: map[string]string{"c": "id"}, Groups: resourcenames.AdminRoles}
	cfg := aws.Config{Region: emulator.Region} // never reached: the input is refused first
	for _, tc := range []struct{ role, clientID, client string }{
		{"owner", "demo-burger", "c"},
		{resourcenames.RoleBrandAdmin, "", "c"},
		{resourcenames.RoleBrandViewer, "Demo Burger", "c"},
		{resourcenames.RolePlatformAdmin, "demo-burger", "c"},
		{resourcenames.RoleBrandAdmin, "demo-burger", "other-client"},
	} {
		if _, _, err := emulator.AdminIDToken(context.Background(), cfg, pool, tc.client, tc.role, tc.clientID); err == nil {
			t.Errorf("%+v: no error", tc)
		}
	}
}
