package stacks

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Context keys of a deployment, besides EnvContextKey.
const (
	// LambdaAssetsContextKey names the folder holding one sub-folder per function, each with
	// the function's `bootstrap` binary: cdk synth -c lambdaAssets=/tmp/lambda.
	LambdaAssetsContextKey = "lambdaAssets"
	// PublicBaseURLContextKey sets the webhook's PUBLIC_BASE_URL for a deployment whose Twilio
	// webhook is configured on another origin than the API's (a custom domain, a proxy):
	// cdk deploy -c env=prod -c publicBaseUrl=https://wa.example.com
	PublicBaseURLContextKey = "publicBaseUrl"
)

// DefaultLambdaAssets is where `make build` writes the binaries, relative to the directory
// the CDK CLI runs the app in: the repository root, where cdk.json is.
const DefaultLambdaAssets = ".build/lambda"

// Asset folder names of the functions under the assets folder. They are the names of the
// main packages under functions/, which `make build` compiles into <assets>/<name>/bootstrap.
const (
	WebhookAsset = "webhook"
	WorkerAsset  = "worker"
	AdminAsset   = "admin"
)

// LambdaAssetNames lists every function asset the app deploys.
var LambdaAssetNames = []string{WebhookAsset, WorkerAsset, AdminAsset}

// bootstrapFile is the executable a provided.al2023 function starts.
const bootstrapFile = "bootstrap"

// CheckLambdaAssets reports the first function of LambdaAssetNames whose bootstrap binary is
// missing from dir, with what to do about it.
func CheckLambdaAssets(dir string) error {
	if dir == "" {
		return errors.New("lambda assets: no folder given (context " + LambdaAssetsContextKey + ")")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("lambda assets: %w", err)
	}
	for _, name := range LambdaAssetNames {
		path := filepath.Join(abs, name, bootstrapFile)
		info, err := os.Stat(path)
		switch {
		case err != nil:
			return fmt.Errorf("lambda assets: %s is missing: run `make build` first "+
				"(it writes %s/<function>/%s), or pass -c %s=<folder>", path, DefaultLambdaAssets, bootstrapFile, LambdaAssetsContextKey)
		case info.IsDir() || info.Size() == 0:
			return fmt.Errorf("lambda assets: %s is not a binary: run `make build` first", path)
		}
	}
	return nil
}

// LambdaAssetsFromContext returns the assets folder of the app's context (DefaultLambdaAssets
// when none is given) after checking that every function's bootstrap is in it.
func LambdaAssetsFromContext(scope constructs.Construct) (string, error) {
	dir := DefaultLambdaAssets
	if v := scope.Node().TryGetContext(jsii.String(LambdaAssetsContextKey)); v != nil {
		s, ok := v.(string)
		if !ok || s == "" {
			return "", fmt.Errorf("context %s must be a folder name, got %v", LambdaAssetsContextKey, v)
		}
		dir = s
	}
	if err := CheckLambdaAssets(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// ValidatePublicBaseURL checks a PUBLIC_BASE_URL: an https origin, optionally with a path
// prefix, without a trailing slash, query or fragment. Twilio signs the exact URL it posts
// to, which the webhook rebuilds as base + naming.WebhookPath: a stray slash breaks every
// signature.
func ValidatePublicBaseURL(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(base, "/") || strings.Contains(base, "?") {
		return fmt.Errorf("public base URL %q must look like https://wa.example.com (https, no trailing slash, query or fragment)", base)
	}
	return nil
}

// PublicBaseURLFromContext returns the publicBaseUrl of the app's context, "" when none is
// given.
func PublicBaseURLFromContext(scope constructs.Construct) (string, error) {
	v := scope.Node().TryGetContext(jsii.String(PublicBaseURLContextKey))
	if v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("context %s must be a string, got %v", PublicBaseURLContextKey, v)
	}
	if err := ValidatePublicBaseURL(s); err != nil {
		return "", fmt.Errorf("context %s: %w", PublicBaseURLContextKey, err)
	}
	return s, nil
}
