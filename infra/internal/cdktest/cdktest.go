// Package cdktest helps the infra tests synthesize exactly what the CDK CLI synthesizes.
//
// The CLI passes cdk.json's context (the feature flags) to the app; a Go test that builds an
// awscdk.App itself does not see cdk.json, so without this package the tests would check a
// template synthesized under other flags than the one deployed.
package cdktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

var (
	mu      sync.Mutex
	outdirs []string
)

// Main runs the package's tests, then removes the cloud assemblies written and stops the jsii
// node process. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	for _, d := range outdirs {
		os.RemoveAll(d)
	}
	mu.Unlock()
	jsii.Close()
	os.Exit(code)
}

// NewApp returns an app with cdk.json's context plus extra (which wins), writing its cloud
// assembly to a temporary directory that Main removes. It panics when cdk.json cannot be read:
// that is a broken checkout, not a test failure.
func NewApp(extra map[string]any) awscdk.App {
	ctx, err := CDKContext()
	if err != nil {
		panic(err)
	}
	for k, v := range extra {
		ctx[k] = v
	}
	dir, err := os.MkdirTemp("", "wabot-cdk-test-")
	if err != nil {
		panic(err)
	}
	mu.Lock()
	outdirs = append(outdirs, dir)
	mu.Unlock()
	return awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(dir)})
}

// LambdaAssets returns a temporary folder (removed by Main) holding <name>/bootstrap for each
// of names, with placeholder content: synthesis only packages the folders, so the tests need
// no cross-compiled binaries. It panics when the folder cannot be written.
func LambdaAssets(names ...string) string {
	dir, err := os.MkdirTemp("", "wabot-lambda-assets-")
	if err != nil {
		panic(err)
	}
	mu.Lock()
	outdirs = append(outdirs, dir)
	mu.Unlock()
	for _, name := range names {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			panic(err)
		}
		placeholder := []byte("#!/bin/sh\n# placeholder for the " + name + " binary in infra tests\n")
		if err := os.WriteFile(filepath.Join(dir, name, "bootstrap"), placeholder, 0o755); err != nil {
			panic(err)
		}
	}
	return dir
}

// CDKContext returns the "context" object of the repository's cdk.json, found by walking up
// from the working directory to the directory holding go.work.
func CDKContext() (map[string]any, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("cdktest: no go.work above the working directory")
		}
		dir = parent
	}
	raw, err := os.ReadFile(filepath.Join(dir, "cdk.json"))
	if err != nil {
		return nil, fmt.Errorf("cdktest: %w", err)
	}
	var cfg struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("cdktest: cdk.json: %w", err)
	}
	if cfg.Context == nil {
		cfg.Context = map[string]any{}
	}
	return cfg.Context, nil
}

// Check runs an assertion of the assertions package and reports its failure as a test error.
// Those assertions fail by panicking (a jsii error), which would otherwise end the whole test
// binary at the first failure and hide every other result.
func Check(t testing.TB, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v", r)
		}
	}()
	assertion()
}

// Panics runs f and returns the value it panicked with, or nil.
func Panics(f func()) (recovered any) {
	defer func() { recovered = recover() }()
	f()
	return nil
}

// Violation is one finding of a failed synthesis's validation report: with cdk.json's
// @aws-cdk/core:annotationsInValidationReport, error annotations (cdk-nag findings among them)
// make synthesis fail and are listed there.
type Violation struct {
	// Finding is the annotation's first line, e.g. "AwsSolutions-SQS4: The SQS queue ...".
	Finding string
	// Paths are the construct paths it was found on.
	Paths []string
}

var reportPath = regexp.MustCompile(`found in: (\S+validation-report\.json)`)

// Violations reads the validation report named by the value a failed synthesis panicked with.
// It returns an error when the value names no report (the synthesis failed for another reason).
func Violations(recovered any) ([]Violation, error) {
	msg := fmt.Sprint(recovered)
	m := reportPath.FindStringSubmatch(msg)
	if m == nil {
		return nil, fmt.Errorf("no validation report in: %s", msg)
	}
	raw, err := os.ReadFile(m[1])
	if err != nil {
		return nil, err
	}
	var report struct {
		PluginReports []struct {
			Violations []struct {
				Description         string `json:"description"`
				ViolatingConstructs []struct {
					ConstructPath string `json:"constructPath"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		return nil, fmt.Errorf("%s: %w", m[1], err)
	}
	var out []Violation
	for _, p := range report.PluginReports {
		for _, v := range p.Violations {
			finding, _, _ := strings.Cut(v.Description, "\n")
			violation := Violation{Finding: finding}
			for _, c := range v.ViolatingConstructs {
				violation.Paths = append(violation.Paths, c.ConstructPath)
			}
			out = append(out, violation)
		}
	}
	return out, nil
}

// SynthFailure describes the value a failed synthesis panicked with, listing the validation
// report's findings when there is one (the report itself is deleted with the test's outdir).
func SynthFailure(recovered any) string {
	violations, err := Violations(recovered)
	if err != nil {
		return fmt.Sprint(recovered)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "synthesis failed validation:")
	for _, v := range violations {
		fmt.Fprintf(&b, "\n  %s\n    on %s", v.Finding, strings.Join(v.Paths, ", "))
	}
	return b.String()
}

// SDKCall decodes a Custom::AWS property (Create, Update or Delete of an AwsCustomResource):
// a JSON string, or an Fn::Join of string pieces and references when the call's parameters
// hold tokens. Each reference becomes a placeholder string inside the decoded JSON, "${X}"
// for {"Ref": "X"} and "${X.Attr}" for {"Fn::GetAtt": ["X", "Attr"]}, so a test compares
// parameters with plain strings (see RefPlaceholder and GetAttPlaceholder).
func SDKCall(v any) (map[string]any, error) {
	var raw strings.Builder
	switch x := v.(type) {
	case string:
		raw.WriteString(x)
	case map[string]any:
		join, _ := x["Fn::Join"].([]any)
		if len(join) != 2 || join[0] != "" {
			return nil, fmt.Errorf("cdktest: not a JSON string or an Fn::Join with empty delimiter: %v", v)
		}
		parts, _ := join[1].([]any)
		for _, p := range parts {
			switch y := p.(type) {
			case string:
				raw.WriteString(y)
			case map[string]any:
				ph, err := placeholder(y)
				if err != nil {
					return nil, err
				}
				raw.WriteString(ph)
			default:
				return nil, fmt.Errorf("cdktest: unexpected Fn::Join part %v", p)
			}
		}
	default:
		return nil, fmt.Errorf("cdktest: unexpected SDK call value %v", v)
	}
	var call map[string]any
	if err := json.Unmarshal([]byte(raw.String()), &call); err != nil {
		return nil, fmt.Errorf("cdktest: SDK call is not JSON: %w\n%s", err, raw.String())
	}
	return call, nil
}

// RefPlaceholder and GetAttPlaceholder are how SDKCall renders references.
func RefPlaceholder(id string) string          { return "${" + id + "}" }
func GetAttPlaceholder(id, attr string) string { return "${" + id + "." + attr + "}" }

func placeholder(ref map[string]any) (string, error) {
	if id, ok := ref["Ref"].(string); ok && len(ref) == 1 {
		return RefPlaceholder(id), nil
	}
	if att, ok := ref["Fn::GetAtt"].([]any); ok && len(ref) == 1 && len(att) == 2 {
		id, _ := att[0].(string)
		attr, _ := att[1].(string)
		if id != "" && attr != "" {
			return GetAttPlaceholder(id, attr), nil
		}
	}
	return "", fmt.Errorf("cdktest: unsupported reference in an SDK call: %v", ref)
}

// JSON is v marshalled, for comparing template fragments as text; a value that cannot be
// marshalled fails the test.
func JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
