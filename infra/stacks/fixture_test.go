package stacks_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/internal/cdktest"
	"github.com/wabot-platform/wabot/infra/stacks"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// testAssets is a folder of placeholder function binaries, made once per test binary.
var testAssets = sync.OnceValue(func() string { return cdktest.LambdaAssets(stacks.LambdaAssetNames...) })

// newApp is cdktest.NewApp with the placeholder binaries as the lambdaAssets context; extra
// wins, so a test can point lambdaAssets elsewhere.
func newApp(extra map[string]any) awscdk.App {
	ctx := map[string]any{stacks.LambdaAssetsContextKey: testAssets()}
	for k, v := range extra {
		ctx[k] = v
	}
	return cdktest.NewApp(ctx)
}

// fixture is one environment's app, synthesized once and shared by every test: synthesis
// through jsii takes seconds, the assertions on its result milliseconds.
type fixture struct {
	stack       stacks.WabotStack
	template    assertions.Template
	annotations assertions.Annotations
	keyID       string // logical id of the data key
	err         error
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[string]*fixture{}
	onces      = map[string]*sync.Once{}
)

// envFixture builds env's stack through stacks.Build, as main does, with cdk.json's context.
func envFixture(t *testing.T, env string) *fixture {
	t.Helper()
	fixturesMu.Lock()
	once, ok := onces[env]
	if !ok {
		once = &sync.Once{}
		onces[env] = once
	}
	fixturesMu.Unlock()

	once.Do(func() {
		fx := &fixture{}
		defer func() {
			if r := recover(); r != nil {
				fx.err = fmt.Errorf("building %s: %s", env, cdktest.SynthFailure(r))
			}
			fixturesMu.Lock()
			fixtures[env] = fx
			fixturesMu.Unlock()
		}()
		stack, err := stacks.Build(newApp(nil), env)
		if err != nil {
			fx.err = err
			return
		}
		fx.stack = stack
		fx.template = assertions.Template_FromStack(stack, nil)
		fx.annotations = assertions.Annotations_FromStack(stack)
		keys := *fx.template.FindResources(jsii.String("AWS::KMS::Key"), nil)
		for id := range keys {
			fx.keyID = id
		}
		if len(keys) != 1 {
			fx.err = fmt.Errorf("%s has %d KMS keys, want 1", env, len(keys))
		}
	})

	fixturesMu.Lock()
	fx := fixtures[env]
	fixturesMu.Unlock()
	if fx.err != nil {
		t.Fatal(fx.err)
	}
	return fx
}

// keyArn is how a resource refers to the data key in the template.
func (fx *fixture) keyArn() map[string]any {
	return map[string]any{"Fn::GetAtt": []any{fx.keyID, "Arn"}}
}

// logicalID is the logical id of c's CloudFormation resource (c itself or its default child).
func (fx *fixture) logicalID(t *testing.T, c constructs.IConstruct) string {
	t.Helper()
	el, ok := c.(awscdk.CfnElement)
	if !ok {
		el, ok = c.Node().DefaultChild().(awscdk.CfnElement)
	}
	if !ok {
		t.Fatalf("%s has no CloudFormation resource", *c.Node().Path())
	}
	id, _ := fx.stack.Resolve(fx.stack.GetLogicalId(el)).(string)
	if id == "" {
		t.Fatalf("%s has no logical id", *c.Node().Path())
	}
	return id
}

// hasResource fails t unless the resource with logical id id has type typ and matches props
// (an assertions pattern for its Properties).
func (fx *fixture) hasResource(t *testing.T, typ, id string, props map[string]any) {
	t.Helper()
	found := *fx.template.FindResources(jsii.String(typ), map[string]any{"Properties": props})
	if found[id] != nil {
		return
	}
	res, _ := (*fx.template.ToJSON())["Resources"].(map[string]any)[id].(map[string]any)
	got, _ := json.MarshalIndent(res["Properties"], "", "  ")
	want, _ := json.MarshalIndent(props, "", "  ")
	t.Errorf("%s (%v) does not match\n%s\nits properties:\n%s", id, res["Type"], want, got)
}

// ref and getAtt are how the template refers to a resource.
func ref(id string) map[string]any          { return map[string]any{"Ref": id} }
func getAtt(id, attr string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }

// check runs one assertion, reporting a failure as a test error instead of a panic.
func check(t *testing.T, assertion func()) {
	t.Helper()
	cdktest.Check(t, assertion)
}

// tag is one element of a CloudFormation Tags list.
func tag(key, value string) map[string]any { return map[string]any{"Key": key, "Value": value} }
