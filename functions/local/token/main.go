// Command token prints an ID token of the local admin user pool, for calling the admin API of
// `make dev` (Authorization: Bearer <token>). `make token ROLE=<role> [CLIENT=<clientId>]` runs
// it:
//
//	curl -H "Authorization: Bearer $(make -s token ROLE=brand-admin CLIENT=demo-burger)" \
//	  http://127.0.0.1:8080/admin/v1/...
//
// It signs in to the emulator's user pool (resourcenames.UserPoolName(env), created by `make
// dev` from the dev template) as the local user of the role and brand, creating it on first
// use (emulator.AdminIDToken), checks the token with the admin API's own verifier
// (adminauth, configured by emulator.LocalJWTConfig), and prints only the token on stdout,
// with who it is for on stderr. The token is the emulator's own: signed by its key, valid one
// hour.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/wabot-platform/wabot/shared/adminauth"
	"github.com/wabot-platform/wabot/shared/awsclients"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o, err := parseArgs(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "token:", err)
		}
		os.Exit(2)
	}
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "token:", err)
		os.Exit(1)
	}
}

// options are the command's inputs.
type options struct {
	role, clientID string
	endpoint       string
	// poolName and appClientName are the env's (tests give names of their own).
	poolName, appClientName string
}

// parseArgs reads -role (required), -client (the brand: required for a brand role, refused
// for platform-admin), -endpoint (default WABOT_AWS_ENDPOINT, else
// http://127.0.0.1:${WABOT_EMULATOR_PORT:-4566}) and -env (dev).
func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", "", fmt.Sprintf("the admin role, one of %v", resourcenames.AdminRoles))
	client := fs.String("client", "", "the brand (clientId) of a brand-admin or brand-viewer, e.g. demo-burger")
	endpoint := fs.String("endpoint", "", "the emulator's URL (default: WABOT_AWS_ENDPOINT, else http://127.0.0.1:${WABOT_EMULATOR_PORT:-4566})")
	env := fs.String("env", resourcenames.EnvDev, "the environment whose user pool to use")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if !resourcenames.ValidEnv(*env) {
		return options{}, fmt.Errorf("-env %q is not one of %v", *env, resourcenames.Environments)
	}
	o := options{
		role: *role, clientID: *client,
		endpoint:      emulator.Endpoint(*endpoint, getenv),
		poolName:      resourcenames.UserPoolName(*env),
		appClientName: resourcenames.UserPoolClientName(*env),
	}
	switch {
	case o.role == "":
		return options{}, fmt.Errorf("ROLE is required, one of %v: make token ROLE=brand-admin CLIENT=demo-burger", resourcenames.AdminRoles)
	case !slices.Contains(resourcenames.AdminRoles, o.role):
		return options{}, fmt.Errorf("ROLE %q is unknown: one of %v", o.role, resourcenames.AdminRoles)
	case o.role == resourcenames.RolePlatformAdmin && o.clientID != "":
		return options{}, fmt.Errorf("a %s acts on every brand: leave CLIENT out", o.role)
	case o.role != resourcenames.RolePlatformAdmin && o.clientID == "":
		return options{}, fmt.Errorf("a %s needs its brand: make token ROLE=%s CLIENT=demo-burger", o.role, o.role)
	case o.clientID != "":
		if err := resourcenames.ValidateID("CLIENT", o.clientID); err != nil {
			return options{}, err
		}
	}
	return o, nil
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if err := ping(ctx, o.endpoint); err != nil {
		return err
	}
	cfg, err := awsclients.Load(ctx, awsclients.Options{Endpoint: o.endpoint, Region: emulator.Region})
	if err != nil {
		return err
	}
	pool, err := emulator.LookupUserPool(ctx, cip.NewFromConfig(cfg), o.poolName)
	if errors.Is(err, emulator.ErrUserPoolNotFound) {
		return fmt.Errorf("the emulator at %s has no user pool %s: start `make dev` first (it creates the pool from the dev template)", o.endpoint, o.poolName)
	}
	if err != nil {
		return err
	}
	token, username, err := emulator.AdminIDToken(ctx, cfg, pool, o.appClientName, o.role, o.clientID)
	if err != nil {
		return err
	}
	// The admin API's own check, so a token printed here is one `make dev` accepts.
	issuer, audience, jwksURL, err := emulator.LocalJWTConfig(ctx, cfg, o.endpoint, o.poolName, o.appClientName)
	if err != nil {
		return err
	}
	v, err := adminauth.NewVerifier(adminauth.Config{Issuer: issuer, Audience: audience, JWKSURL: jwksURL})
	if err != nil {
		return err
	}
	p, err := v.Verify(ctx, token)
	if err != nil {
		return fmt.Errorf("the emulator's token for %s does not verify: %w", username, err)
	}
	if _, err := fmt.Fprintln(stdout, token); err != nil {
		return err
	}
	brand := p.ClientID
	if brand == "" {
		brand = "every brand"
	}
	fmt.Fprintf(stderr, "# ID token of %s: %s of %s, valid one hour (issuer %s)\n", p.Username, p.Role, brand, issuer)
	return nil
}

// ping tells a stopped emulator from any other failure.
func ping(ctx context.Context, endpoint string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/moto-api/", nil)
	if err != nil {
		return fmt.Errorf("emulator endpoint %q: %w", endpoint, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("no emulator answers at %s: start `make dev` first", endpoint)
	}
	resp.Body.Close()
	return nil
}
