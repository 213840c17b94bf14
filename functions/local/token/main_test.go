package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/wabot-platform/wabot/shared/adminauth"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseArgs(t *testing.T) {
	o, err := parseArgs([]string{"-role", "brand-admin", "-client", "demo-burger"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := options{role: "brand-admin", clientID: "demo-burger", endpoint: "http://127.0.0.1:4566",
		poolName: "wabot-dev-admins", appClientName: "wabot-dev-admin"}
	if o != want {
		t.Errorf("options = %+v, want %+v", o, want)
	}
	o, err = parseArgs([]string{"-role", "platform-admin", "-env", "staging"}, env(map[string]string{"WABOT_EMULATOR_PORT": "4999"}), io.Discard)
	if err != nil || o.endpoint != "http://127.0.0.1:4999" || o.poolName != "wabot-staging-admins" || o.clientID != "" {
		t.Errorf("platform admin: %+v, %v", o, err)
	}
	o, err = parseArgs([]string{"-role", "brand-viewer", "-client", "demo-pizzaria", "-endpoint", "http://127.0.0.1:5000/"}, env(map[string]string{"WABOT_EMULATOR_PORT": "4999"}), io.Discard)
	if err != nil || o.endpoint != "http://127.0.0.1:5000" {
		t.Errorf("explicit endpoint: %+v, %v", o, err)
	}
	for _, tc := range []struct {
		args []string
		want string // part of the error
	}{
		{nil, "ROLE is required"},
		{[]string{"-role", "owner"}, `ROLE "owner" is unknown`},
		{[]string{"-role", "brand-admin"}, "needs its brand"},
		{[]string{"-role", "brand-viewer"}, "needs its brand"},
		{[]string{"-role", "platform-admin", "-client", "demo-burger"}, "leave CLIENT out"},
		{[]string{"-role", "brand-admin", "-client", "Demo Burger"}, "CLIENT"},
		{[]string{"-role", "brand-admin", "-client", "demo-burger", "-env", "qa"}, "-env"},
		{[]string{"-role", "brand-admin", "-client", "demo-burger", "extra"}, "unexpected arguments"},
	} {
		if _, err := parseArgs(tc.args, env(nil), io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want one saying %q", tc.args, err, tc.want)
		}
	}
}

func TestRunWithoutEmulator(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	var stdout bytes.Buffer
	err = run(context.Background(), options{role: "platform-admin", endpoint: closed, poolName: "p", appClientName: "c"}, &stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "start `make dev` first") {
		t.Errorf("err = %v, want one telling to start make dev", err)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q", stdout.String())
	}
}

// devPoolTemplate is the admin user pool of the dev template, as infra/stacks/admin.go
// declares it.
const devPoolTemplate = `{"Resources": {
  "AdminUserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {
    "UserPoolName": "wabot-dev-admins",
    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": true},
    "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireLowercase": true, "RequireUppercase": true, "RequireNumbers": true, "RequireSymbols": true}},
    "Schema": [{"AttributeDataType": "String", "Mutable": false, "Name": "clientId"}],
    "UsernameAttributes": ["email"]}},
  "AdminUserPoolClient": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
    "ClientName": "wabot-dev-admin", "UserPoolId": {"Ref": "AdminUserPool"}, "GenerateSecret": false,
    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}},
  "GroupPlatform": {"Type": "AWS::Cognito::UserPoolGroup", "Properties": {"GroupName": "platform-admin", "UserPoolId": {"Ref": "AdminUserPool"}}},
  "GroupBrandAdmin": {"Type": "AWS::Cognito::UserPoolGroup", "Properties": {"GroupName": "brand-admin", "UserPoolId": {"Ref": "AdminUserPool"}}},
  "GroupBrandViewer": {"Type": "AWS::Cognito::UserPoolGroup", "Properties": {"GroupName": "brand-viewer", "UserPoolId": {"Ref": "AdminUserPool"}}}
}}`

// TestRunPrintsAVerifiableToken creates the pool in the emulator under names of its own, as
// make dev does from the dev template, and runs the command for each role.
func TestRunPrintsAVerifiableToken(t *testing.T) {
	ctx := context.Background()
	endpoint := emulatortest.Endpoint(t)
	cfg := emulatortest.Config(t)
	var tmpl emulator.Template
	if err := json.Unmarshal([]byte(devPoolTemplate), &tmpl); err != nil {
		t.Fatal(err)
	}
	suffix := "-tok" + emulatortest.UniqueSuffix(t)
	opts := emulator.Options{Rename: func(n string) string { return n + suffix }}
	pools, err := emulator.ApplyUserPools(ctx, cip.NewFromConfig(cfg), &tmpl, opts)
	if err != nil {
		t.Fatal(err)
	}
	poolName, clientName := resourcenames.UserPoolName("dev")+suffix, resourcenames.UserPoolClientName("dev")+suffix
	t.Cleanup(func() {
		_, _ = cip.NewFromConfig(cfg).DeleteUserPool(context.Background(), &cip.DeleteUserPoolInput{UserPoolId: aws.String(pools[poolName].ID)})
	})
	issuer, audience, jwksURL, err := emulator.LocalJWTConfig(ctx, cfg, endpoint, poolName, clientName)
	if err != nil {
		t.Fatal(err)
	}
	v, err := adminauth.NewVerifier(adminauth.Config{Issuer: issuer, Audience: audience, JWKSURL: jwksURL})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ role, clientID, username string }{
		{resourcenames.RoleBrandAdmin, "demo-burger", "brand-admin.demo-burger@wabot.local"},
		{resourcenames.RoleBrandViewer, "demo-pizzaria", "brand-viewer.demo-pizzaria@wabot.local"},
		{resourcenames.RolePlatformAdmin, "", "platform-admin@wabot.local"},
		{resourcenames.RoleBrandAdmin, "demo-burger", "brand-admin.demo-burger@wabot.local"}, // again: the user exists
	} {
		var stdout, stderr bytes.Buffer
		o := options{role: tc.role, clientID: tc.clientID, endpoint: endpoint, poolName: poolName, appClientName: clientName}
		if err := run(ctx, o, &stdout, &stderr); err != nil {
			t.Fatalf("%s %s: %v", tc.role, tc.clientID, err)
		}
		out := stdout.String()
		token := strings.TrimSuffix(out, "\n")
		if strings.Count(out, "\n") != 1 || strings.Count(token, ".") != 2 {
			t.Fatalf("stdout is not one token line: %q", out)
		}
		if strings.Contains(stderr.String(), token) {
			t.Error("the token is on stderr too")
		}
		p, err := v.Verify(ctx, token)
		if err != nil {
			t.Fatalf("%s: verify: %v", tc.role, err)
		}
		want := adminauth.Principal{Subject: p.Subject, Username: tc.username, Role: tc.role, ClientID: tc.clientID}
		if p != want || p.Subject == "" {
			t.Errorf("principal = %+v, want %+v", p, want)
		}
	}

	// A running emulator without the pool: make dev has not created it.
	err = run(ctx, options{role: "platform-admin", endpoint: endpoint, poolName: poolName + "-none", appClientName: clientName}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no user pool") || !strings.Contains(err.Error(), "make dev") {
		t.Errorf("missing pool: %v", err)
	}
}
