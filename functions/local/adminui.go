package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/wabot-platform/wabot/shared/adminui"
	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/dev/emulator"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// localCognitoPath is where the admin UI's sign-in form calls Cognito's InitiateAuth
// locally: passed on to the emulator, as the page would call cognito-idp in AWS.
const localCognitoPath = "/_local/cognito"

// localUI returns the admin UI's handler for the local stack: the password sign-in of the
// emulator's user pool, whose demo users (a platform admin, and a brand admin and viewer of
// each demo brand, all with emulator.LocalPassword) it creates and prints to out.
func localUI(ctx context.Context, cfg config, awsCfg aws.Config, out io.Writer) (http.Handler, error) {
	pool, err := emulator.LookupUserPool(ctx, cip.NewFromConfig(awsCfg), resourcenames.UserPoolName(cfg.Env))
	if err != nil {
		return nil, fmt.Errorf("the admin UI's user pool: %w", err)
	}
	appClient, ok := pool.Clients[resourcenames.UserPoolClientName(cfg.Env)]
	if !ok {
		return nil, fmt.Errorf("user pool %s has no app client %s", pool.Name, resourcenames.UserPoolClientName(cfg.Env))
	}
	users := []adminui.DemoUser{{Role: resourcenames.RolePlatformAdmin}}
	for _, t := range demo.Tenants() {
		for _, role := range []string{resourcenames.RoleBrandAdmin, resourcenames.RoleBrandViewer} {
			users = append(users, adminui.DemoUser{Role: role, ClientID: t.Client.ClientID})
		}
	}
	for i, u := range users {
		if users[i].Username, err = emulator.EnsureLocalUser(ctx, awsCfg, pool, u.Role, u.ClientID); err != nil {
			return nil, err
		}
	}
	base := fmt.Sprintf("http://%s:%d%s", cfg.Host, cfg.Port, resourcenames.AdminUIPath)
	if !adminui.Built() && cfg.AdminUIDir == "" {
		fmt.Fprintf(out, "\nadmin UI: not in this build (run `make ui`, then rebuild the runner)\n")
	} else {
		fmt.Fprintf(out, "\nadmin UI: %s\n  sign in with one of these users, password %s\n", base, emulator.LocalPassword)
		for _, u := range users {
			fmt.Fprintf(out, "    %-44s %s\n", u.Username, u.Role)
		}
		fmt.Fprintln(out)
	}
	uiCfg := adminui.Config{ClientID: appClient, Environment: cfg.Env}
	if cfg.AdminLoginDomain != "" {
		uiCfg.Login, uiCfg.Domain = adminui.LoginHosted, cfg.AdminLoginDomain
	} else {
		uiCfg.Login, uiCfg.CognitoURL, uiCfg.DemoUsers, uiCfg.DemoPassword = adminui.LoginPassword, localCognitoPath, users, emulator.LocalPassword
	}
	if cfg.AdminUIDir != "" {
		// node web/admin/build.mjs --watch --out <dir>: the page changes without a rebuild.
		return adminui.HandlerFS(uiCfg, os.DirFS(cfg.AdminUIDir)), nil
	}
	return adminui.Handler(uiCfg), nil
}

// cognitoSignIn passes the UI's sign-in calls (InitiateAuth and RespondToAuthChallenge
// only: nothing that administers the pool) to the emulator's Cognito.
func cognitoSignIn(endpoint string, log *slog.Logger) (http.Handler, error) {
	target, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.URL.Path = "/"
			r.Out.Host = target.Host
		},
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	allowed := map[string]bool{
		"AWSCognitoIdentityProviderService.InitiateAuth":           true,
		"AWSCognitoIdentityProviderService.RespondToAuthChallenge": true,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowed[r.Header.Get("X-Amz-Target")] {
			http.Error(w, "only InitiateAuth and RespondToAuthChallenge pass here", http.StatusForbidden)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		proxy.ServeHTTP(w, r)
	}), nil
}
